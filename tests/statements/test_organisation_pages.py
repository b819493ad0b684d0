"""An organisation's page shows only what is public about it (issue 14, item 1): the statements
it issued and those it signed with its name shown. A page with nothing public answers exactly as
an address never used does, whatever records exist, including those older code created for
organisations that signed without being named."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from signatures.models import Signature
from statements.models import Organisation, Statement
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db


def link_signature(statement: Statement, organisation: Organisation, n: int, **fields) -> Signature:
    """A sign-on linked to the record, as the older code linked every approved one."""
    values = {"status": "visible", "show_name": True, **fields}
    return Signature.objects.create(
        statement=statement, kind="organisation", name=f"Representative {n}",
        organisation_name=organisation.name, organisation=organisation, role="Chair",
        email=f"rep{n}@example.org", confirmed_at=timezone.now(), **values)


def test_the_page_lists_only_statements_signed_with_the_name_shown(anon: Client) -> None:
    make_statement("ours", title="Our own statement", issuers=("Ríos Vivos",))
    organisation = Organisation.objects.get(slug="ríos-vivos")
    named = make_statement("named", title="Signed and named", issuers=("Someone Else",))
    hidden = make_statement("hidden", title="Signed unnamed", issuers=("Someone Else",))
    held = make_statement("held", title="Signed and held", issuers=("Someone Else",))
    link_signature(named, organisation, 1)
    link_signature(hidden, organisation, 2, show_name=False)
    link_signature(held, organisation, 3, status="held")
    for language in ("en", "es"):
        html = anon.get(f"/{language}/organisation/ríos-vivos/").content.decode()
        assert "Our own statement" in html and "Signed and named" in html
        assert "Signed unnamed" not in html and "Signed and held" not in html


@pytest.mark.parametrize("only", ["an unnamed signature", "a held signature",
                                  "a withdrawn signature", "a draft it issued", "nothing"])
def test_a_page_with_nothing_public_is_a_plain_404(anon: Client, only: str) -> None:
    statement = make_statement("theirs", title="Their statement", issuers=("Someone Else",))
    organisation = Organisation.objects.create(name="Hushed Collective", slug="hushed-collective",
                                               description="Described by an editor")
    if only == "an unnamed signature":
        link_signature(statement, organisation, 1, show_name=False)
    elif only == "a held signature":
        link_signature(statement, organisation, 1, status="held")
    elif only == "a withdrawn signature":
        link_signature(statement, organisation, 1, status="withdrawn")
    elif only == "a draft it issued":
        make_statement("draft", title="Not yet", issuers=("Hushed Collective",),
                       status=Statement.Status.DRAFT)
    never_used = anon.get("/en/organisation/never-heard-of/")
    for language in ("en", "es"):
        response = anon.get(f"/{language}/organisation/hushed-collective/")
        assert response.status_code == 404
        body = response.content.decode()
        assert "Hushed" not in body and "Described by an editor" not in body
        if language == "en":  # the same page, but for the address it was asked for
            assert body.replace("hushed-collective", "never-heard-of") == \
                never_used.content.decode()
