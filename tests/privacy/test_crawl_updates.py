"""The privacy crawl over what updates add: the statement page's updates section, the feeds'
update entries, the unsubscribe pages every update mail links to (before and after the
one-click POST) and the 404 of a forged link. No address (or anything derived from one), no
count-only signer's name and no hidden organisation may appear in any of them."""

from __future__ import annotations

import pytest
from django.test import Client

from signatures import actions as signature_actions
from signatures.models import Signature
from tests.conftest import make_statement
from tests.crawling import crawl, links_in_mail
from tests.privacy.test_crawl import derivatives
from tests.updates.conftest import make_signer, make_update
from updates import actions

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction

EMAILS = {
    "named": "named.secret@leak-check.example",
    "count-only": "countonly.secret@leak-check.example",
    "hidden-org": "hiddenorg.secret@leak-check.example",
    "withdrawn": "withdrawn.secret@leak-check.example",
    "spanish": "spanish.secret@leak-check.example",
}
NEVER_SHOWN = ["Quiet Counted Person", "Hidden Guild", "Representative Hidden", "Gone Person"]


def seed() -> None:
    statement = make_statement("open-letter", signature_moderation="none")
    make_signer(statement, EMAILS["named"], name="Shown Person")
    make_signer(statement, EMAILS["count-only"], name="Quiet Counted Person", show_name=False)
    make_signer(statement, EMAILS["hidden-org"], kind="organisation", show_name=False,
                organisation_name="Hidden Guild", name="Representative Hidden")
    make_signer(statement, EMAILS["spanish"], name="Persona Nombrada", language="es")
    gone = make_signer(statement, EMAILS["withdrawn"], name="Gone Person")
    signature_actions.reconcile_counts([statement])
    signature_actions.do_withdraw(gone)
    update = make_update(statement, title="We delivered the letter",
                         translations={"es": ("Entregamos la carta", "La recibió la ministra.")})
    actions.do_send_update(update, actor="editor")


def secrets() -> list[str]:
    found = ["leak-check", ".secret@"]
    for email in EMAILS.values():
        found += derivatives(email)
    found += [token for token in Signature.objects.values_list("token_salt", flat=True) if token]
    return sorted({secret.lower() for secret in found if len(secret) >= 6})


def test_no_update_page_feed_or_unsubscribe_page_reveals_a_signer(mailbox, tasks) -> None:
    seed()
    tasks()
    assert len(mailbox.messages) == 4  # everyone who asked, but the withdrawn signer
    mail_paths = [path for message in mailbox.messages
                  for path in links_in_mail(mailbox.text(message)) if "/news/" in path]
    assert len(mail_paths) == 4

    visitor = Client()
    pages = crawl(visitor, ["/en/s/open-letter/", "/es/s/open-letter/", "/en/feeds/open-letter/",
                            "/es/feeds/open-letter/", "/en/feeds/",
                            "/en/news/unsubscribe/1.0123456789abcdef0123456789abcdef/",
                            *mail_paths])
    # After the one-click POST, the page it answers with, and the link opened again.
    for path in mail_paths:
        response = Client().post(path, "List-Unsubscribe=One-Click",
                                 content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        pages[f"POST {path}"] = (200, "\n".join(f"{k}: {v}" for k, v in response.items())
                                 + response.content.decode())
        again = Client().get(path)
        pages[f"GET again {path}"] = (again.status_code, again.content.decode())

    statuses = {path: status for path, (status, _text) in pages.items()}
    assert statuses["/en/s/open-letter/"] == 200
    assert "We delivered the letter" in pages["/en/s/open-letter/"][1]
    assert "Entregamos la carta" in pages["/es/feeds/open-letter/"][1]
    assert all(statuses[path] == 200 for path in mail_paths)
    assert statuses["/en/news/unsubscribe/1.0123456789abcdef0123456789abcdef/"] == 404
    leaks = [(path, secret) for path, (_status, text) in pages.items() for secret in secrets()
             if secret in text.lower()]
    assert leaks == []
    shown = [(path, name) for path, (_status, text) in pages.items() for name in NEVER_SHOWN
             if name.lower() in text.lower()]
    assert shown == []
    # The unsubscribe pages name the statement, never the signer, even a named one.
    for path in mail_paths:
        text = pages[path][1]
        assert "Water is life" in text or "open-letter" in text
        assert "Shown Person" not in text and "Persona Nombrada" not in text
