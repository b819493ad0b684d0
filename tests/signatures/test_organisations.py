"""Organisations that sign (issue 14, items 1 and 2): a record, and so a page at an address
anyone can guess from the name, exists only for an organisation someone chose to show; a
record that a withdrawal, erasure, rejection or correction leaves without any public reference
goes; and the person signing for an organisation is never published, which every page and mail
they see says plainly, in English and Spanish."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.test import Client

from signatures import actions, exports
from signatures.models import Signature
from statements.models import Organisation
from tests.conftest import make_statement
from tests.signatures.conftest import confirm

pytestmark = pytest.mark.django_db(transaction=True)  # the mail worker runs outside the test's transaction

HIDDEN = "Quiet Cooperative"
SHOWN = "Gone Cooperative"
REPRESENTATIVE = "Rosa Representative"
ROLE = "Treasurer of the board"


def assert_no_page(client: Client, slug: str, name: str) -> None:
    """The guessable address of an organisation answers as for a name never heard of."""
    for language in ("en", "es"):
        response = client.get(f"/{language}/organisation/{slug}/")
        assert response.status_code == 404, (language, slug)
        assert name.lower() not in response.content.decode().lower()


def sign_for(signed, organisation: str, *, show: bool, email: str = "rosa@example.org",
             language: str = "en") -> tuple[Signature, dict[str, str]]:
    return signed(email=email, kind="organisation", name=REPRESENTATIVE,
                  organisation=organisation, role=ROLE, country="Peru",
                  show_name="on" if show else None, language=language)


def approve(signature: Signature) -> Signature:
    actions.do_approve(Signature.objects.filter(pk=signature.pk), actor=None)
    signature.refresh_from_db()
    return signature


def test_a_hidden_organisation_gets_no_record_and_no_page(anon, statement, signed):
    signature, links = sign_for(signed, HIDDEN, show=False)
    confirm(anon, links["confirm"])
    signature = approve(signature)
    assert signature.status == Signature.Status.VISIBLE
    assert actions.counts(statement).organisations == 1  # counted …
    assert not Organisation.objects.filter(name__iexact=HIDDEN).exists()  # … never named
    assert_no_page(anon, "quiet-cooperative", HIDDEN)
    for url in ("/en/s/water-is-life/", "/es/s/water-is-life/",
                "/en/signatories/water-is-life/?kind=organisation"):
        assert HIDDEN not in anon.get(url).content.decode()


@pytest.mark.parametrize("path", ["withdraw", "reject", "correct to hidden"])
def test_a_record_left_without_public_reference_is_removed(anon, statement, signed, path):
    # A second statement that River Keepers (the issuer of the first) and an organisation the
    # editors recorded (signed_on) have signed: neither record may go with the sign-ons below.
    other = make_statement("theirs", title="A statement we signed", issuers=("Someone Else",))
    actions.do_record_organisation(other, "Recorded Org", actor=None)
    ours = [sign_for(signed, name, show=True, email=f"rep{n}@example.org")
            for n, name in enumerate([SHOWN, "River Keepers", "Recorded Org"])]
    for signature, links in ours:
        confirm(anon, links["confirm"])
        approve(signature)
    page = anon.get("/en/organisation/gone-cooperative/")
    assert page.status_code == 200 and "Water is life" in page.content.decode()

    for signature, links in ours:
        if path == "withdraw":
            assert anon.post(links["manage"], {"action": "withdraw"}).status_code == 200
        elif path == "reject":
            actions.do_reject(Signature.objects.filter(pk=signature.pk), actor=None)
        else:
            response = anon.post(links["manage"], {
                "action": "correct", "name": REPRESENTATIVE, "organisation": signature.organisation_name,
                "role": ROLE, "country": "Peru", "comment": ""})  # show_name unticked
            assert response.status_code == 303

    assert not Organisation.objects.filter(name__iexact=SHOWN).exists()
    assert_no_page(anon, "gone-cooperative", SHOWN)
    assert SHOWN not in anon.get("/en/s/water-is-life/").content.decode()
    # The issuer and the organisation the editors recorded stay, with what is public of them.
    issuer = anon.get("/en/organisation/river-keepers/").content.decode()
    assert "Water is life" in issuer and "A statement we signed" not in issuer
    recorded = anon.get("/en/organisation/recorded-org/").content.decode()
    assert "A statement we signed" in recorded and "Water is life" not in recorded


def test_a_record_shown_elsewhere_or_described_by_the_editors_stays(anon, statement, signed):
    other = make_statement("theirs", title="A statement we signed", issuers=("Someone Else",))
    elsewhere = Organisation.objects.create(name="Shared Union", slug="shared-union")
    actions.do_record_organisation(other, "Shared Union", actor=None)
    Signature.objects.filter(organisation=elsewhere).update(source=Signature.Source.FORM)
    Organisation.objects.create(name="Described Org", slug="described-org",
                                website="https://described.example/")
    signatures = [sign_for(signed, name, show=True, email=f"rep{n}@example.org")
                  for n, name in enumerate(["Shared Union", "Described Org", SHOWN])]
    for signature, links in signatures:
        confirm(anon, links["confirm"])
        approve(signature)
        assert anon.post(links["manage"], {"action": "withdraw"}).status_code == 200
    assert not Organisation.objects.filter(name=SHOWN).exists()
    # Still named by a visible signature on another statement.
    page = anon.get("/en/organisation/shared-union/").content.decode()
    assert "A statement we signed" in page and "Water is life" not in page
    # Kept for the editors' sake, but with nothing public its page is a plain 404.
    assert Organisation.objects.filter(slug="described-org").exists()
    assert_no_page(anon, "described-org", "Described Org")


def test_correcting_to_shown_creates_the_page_and_back_removes_it(anon, statement, signed):
    signature, links = sign_for(signed, HIDDEN, show=False)
    confirm(anon, links["confirm"])
    approve(signature)
    correction = {"action": "correct", "name": REPRESENTATIVE, "organisation": HIDDEN,
                  "role": ROLE, "country": "Peru", "comment": ""}
    assert anon.post(links["manage"], {**correction, "show_name": "on"}).status_code == 303
    # A changed choice is no changed content: no second review, the organisation is listed.
    assert anon.get("/en/organisation/quiet-cooperative/").status_code == 200
    assert anon.post(links["manage"], correction).status_code == 303
    assert not Organisation.objects.filter(name=HIDDEN).exists()
    assert_no_page(anon, "quiet-cooperative", HIDDEN)


def test_relinking_by_hand_removes_the_record_left_behind(anon, statement, signed):
    signature, links = sign_for(signed, "R. Keepers", show=True)
    confirm(anon, links["confirm"])
    signature = approve(signature)
    assert signature.organisation.slug == "r-keepers"
    actions.do_link_organisation(signature, Organisation.objects.get(slug="river-keepers"), actor=None)
    assert not Organisation.objects.filter(slug="r-keepers").exists()
    assert_no_page(anon, "r-keepers", "R. Keepers")


# --- item 2: the person who signs for an organisation is never published ----------------------

NEVER = {"en": "Your own name and role are never published",
         "es": "Su propio nombre y su cargo nunca se publican"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_form_says_what_the_box_shows_for_an_organisation(anon, statement, language):
    page = html.unescape(anon.get(f"/{language}/s/water-is-life/").content.decode())
    form = page[page.index('class="sign-form"'):]
    form = form[:form.index("</form>")]
    help_text = form[form.index('id="id_show_name-help"'):]
    assert {"en": "your own name and role are never published",
            "es": "su propio nombre y su cargo nunca se publican"}[language] in help_text
    label = form[form.index('<label for="id_show_name">'):]
    assert {"en": "your organisation's", "es": "su organización"}[language] in \
        label[:label.index("</label>")]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("show", [True, False])
def test_pages_and_mails_say_the_representative_is_never_published(
        anon, statement, signed, mailbox, tasks, language, show):
    signature, links = sign_for(signed, HIDDEN, show=show, language=language)
    body = mailbox.text(mailbox.to("rosa@example.org")[-1])
    assert NEVER[language] in body
    shown = {("en", True): f"The public list will show the organisation, “{HIDDEN}”.",
             ("en", False): "The organisation will be counted, but its name will not be shown.",
             ("es", True): f"La lista pública mostrará la organización, «{HIDDEN}».",
             ("es", False): "Se contará a la organización, pero su nombre no se mostrará."}
    assert shown[language, show] in body
    # "your name" would be untrue here: the box shows or hides the organisation.
    assert {"en": "show or hide your name", "es": "mostrar u ocultar su nombre"}[language] \
        not in body
    page = html.unescape(anon.get(links["confirm"]).content.decode())
    assert NEVER[language] in page and shown[language, show] in page
    confirm(anon, links["confirm"])
    manage = html.unescape(anon.get(links["manage"]).content.decode())
    assert NEVER[language] in manage
    label = manage[manage.index('<label for="id_show_name">'):]
    assert {"en": "Show the organisation's name publicly",
            "es": "Mostrar públicamente el nombre de la organización"}[language] in \
        label[:label.index("</label>")]
    # And it is true: the public pages never carry the representative.
    approve(signature)
    for url in (f"/{language}/s/water-is-life/", f"/{language}/signatories/water-is-life/",
                f"/{language}/organisation/quiet-cooperative/"):
        text = html.unescape(anon.get(url).content.decode())
        assert REPRESENTATIVE not in text and ROLE not in text


def _csv(rows) -> list[dict[str, str]]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return list(csv.DictReader(io.StringIO(buffer.getvalue())))


def test_the_editors_export_names_the_representative_and_the_public_one_does_not(
        anon, statement, signed):
    signature, links = sign_for(signed, SHOWN, show=True)
    confirm(anon, links["confirm"])
    approve(signature)
    [row] = _csv(exports.export_rows(statement, with_emails=True))
    assert (row["Kind"], row["Name"], row["Organisation"], row["Role"], row["Email"]) == (
        "organisation", REPRESENTATIVE, SHOWN, ROLE, "rosa@example.org")
    [public] = _csv(exports.export_rows(statement, with_emails=False))
    assert (public["Name"], public["Organisation"], public["Role"]) == ("", SHOWN, "")
