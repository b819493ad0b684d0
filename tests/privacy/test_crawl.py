"""docs/security.md, invariant 1: no public response contains an email address, an IP address (raw or
hashed), a user agent, or anything derived from them.

Seeds signatures and comments through the real forms (with known addresses, IPs and user agents)
and directly (every status and visibility), then crawls every public URL reachable from the home
page — pages, pagination, language versions, feeds and JSON if linked, error pages — and looks for
each secret and its derivatives in every body and header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils.text import slugify

import comments.public
import signatures.public
from comments.models import Comment, email_key
from core import protection
from signatures import actions as signature_actions
from signatures.models import Signature
from statements.models import Statement
from tests.conftest import make_statement
from tests.crawling import crawl
from tests.privacy.conftest import make_comment, make_signature

IPS = ["203.0.113.77", "198.51.100.203", "2001:db8::77"]
USER_AGENT = "LeakCheckBrowser/9.9 (secret-ua-7f3a)"
FORM_EMAILS = [f"crawl-secret-{i}@leak-check.example" for i in range(6)]
DIRECT_EMAILS = [f"Direct.Secret{i}@Leak-Check.example" for i in range(12)]


def ip_hashes(ip: str) -> list[str]:
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    full = protection.ip_hash(request)
    return [full, full[:16]]


def derivatives(email: str) -> list[str]:
    normal = email.strip().lower()
    out = [normal, normal.split("@")[0], email_key(email)]
    for value in {email, normal}:
        raw = value.encode()
        out += [hashlib.md5(raw).hexdigest(), hashlib.sha1(raw).hexdigest(),  # noqa: S324
                hashlib.sha256(raw).hexdigest(),
                hmac.new(settings.SECRET_KEY.encode(), raw, hashlib.sha256).hexdigest(),
                base64.b64encode(raw).decode().rstrip("="),
                base64.urlsafe_b64encode(raw).decode().rstrip("=")]
    return out


def secrets_to_find() -> list[str]:
    found = [USER_AGENT, "secret-ua-7f3a", "leak-check", "crawl-secret", "direct.secret"]
    for ip in IPS:
        found += [ip, *ip_hashes(ip)]
    for email in FORM_EMAILS + DIRECT_EMAILS:
        found += derivatives(email)
    stored = list(Signature.objects.exclude(ip_hash="").values_list("ip_hash", flat=True))
    stored += list(Comment.objects.exclude(ip_hash="").values_list("ip_hash", flat=True))
    stored += list(Comment.objects.exclude(email_key="").values_list("email_key", flat=True))
    found += stored
    found += [s[:16] for s in stored]
    return sorted({s.lower() for s in found if s and len(s) >= 6})


def post_through_the_forms(statement: Statement, monkeypatch) -> None:
    monkeypatch.setattr(protection, "MIN_FILL_SECONDS", -10**9)
    for i, email in enumerate(FORM_EMAILS):
        client = Client(REMOTE_ADDR=IPS[i % len(IPS)], HTTP_USER_AGENT=USER_AGENT)
        kind = "organisation" if i % 3 == 0 else "individual"
        response = client.post(f"/en/sign/{statement.slug}/", {
            "kind": kind, "name": f"Signer Person {i}", "organisation": f"Union {i}",
            "role": "Member", "country": "Peru", "email": email, "show_name": "on" if i % 2 else "",
            "comment": f"Why I sign {i}",
            protection.TOKEN_FIELD: protection.form_token("sign", statement.pk)})
        assert response.status_code in (200, 303), response.content.decode()[:500]
        response = client.post(f"/en/comments/{statement.pk}/", {
            "name": f"Commenter {i}", "email": email, "website": "https://example.net/",
            "body": f"Public words {i}", protection.TOKEN_FIELD:
            protection.form_token(comments.public.FORM_PURPOSE, statement.pk)})
        assert response.status_code in (200, 302, 303), response.content.decode()[:500]
    for signature in Signature.objects.filter(email__in=FORM_EMAILS, status="unconfirmed"):
        signature_actions.do_confirm(signature)


def seed_directly(statement: Statement) -> None:
    statuses = ["visible", "visible", "held", "unconfirmed", "rejected", "withdrawn"]
    for i, email in enumerate(DIRECT_EMAILS):
        make_signature(statement, email.lower(), status=statuses[i % len(statuses)], show_name=i % 4 != 1,
                       name=f"Direct Signer {i}", kind="organisation" if i % 5 == 0 else "individual",
                       ip_hash=ip_hashes(IPS[i % len(IPS)])[0], comment=f"Reason {i}",
                       comment_approved=i % 2 == 0)
        parent = make_comment(statement, email, status=["visible", "held", "spam", "removed"][i % 4],
                              name=f"Direct Commenter {i}", ip_hash=ip_hashes(IPS[i % len(IPS)])[0])
        if parent.status == "visible":
            make_comment(statement, email, name=f"Replier {i}", parent=parent, body="A reply")
    signature_actions.reconcile_counts()


# Organisations whose names nobody chose to show (hidden from the start, hidden afterwards, or
# withdrawn), and people who signed for an organisation or chose not to be named: no public
# response may carry them, and no guessed address may reveal that we know them.
HIDDEN_ORGANISATIONS = ["Union 0", "Withdrawn Guild", "Retracted Guild", "Quiet Guild"]
NEVER_SHOWN = [*HIDDEN_ORGANISATIONS, "Union 2", "Union 4",  # individuals' unnamed workplaces
               "Signer Person 0", "Signer Person 2", "Signer Person 3", "Signer Person 4"]


def seed_hidden_organisations(statement: Statement) -> None:
    """Through the real actions: each path by which an organisation was (or is) not shown."""
    def sign_on(n: int, name: str, **fields) -> Signature:
        return make_signature(statement, f"hidden-org-{n}@leak-check.example", status="unconfirmed",
                              kind="organisation", organisation_name=name, name=f"Representative {n}",
                              role="Spokesperson", **fields)

    withdrawn = signature_actions.do_confirm(sign_on(1, "Withdrawn Guild"))
    assert withdrawn.organisation is not None  # it had a page while shown
    signature_actions.do_withdraw(withdrawn)
    retracted = signature_actions.do_confirm(sign_on(2, "Retracted Guild"))
    signature_actions.do_correct(retracted, {
        "name": retracted.name, "organisation": retracted.organisation_name, "role": retracted.role,
        "country": retracted.country, "comment": "", "show_name": False})
    quiet = sign_on(3, "Quiet Guild", show_name=False)
    Signature.objects.filter(pk=quiet.pk).update(status="held")
    signature_actions.do_approve(Signature.objects.filter(pk=quiet.pk), actor=None)


def guessed_urls(names: list[str]) -> list[str]:
    """Where an adversary who knows or guesses a name would look for its organisation page."""
    return [f"/{language}/organisation/{slug}/" for name in names
            for slug in (slugify(name, allow_unicode=True), f"{slugify(name, allow_unicode=True)}-2")
            for language in ("en", "es")]


@pytest.mark.django_db
def test_no_public_response_reveals_who_signed_or_commented(monkeypatch) -> None:
    monkeypatch.setattr(signatures.public, "PAGE_SIZE", 3)
    monkeypatch.setattr(comments.public, "PAGE_SIZE", 2)
    statement = make_statement("open-letter", signature_moderation="none", comment_moderation="none")
    make_statement("second-statement", title="Second", issuers=("Lake Friends",))
    post_through_the_forms(statement, monkeypatch)
    seed_directly(statement)
    seed_hidden_organisations(statement)
    assert Signature.objects.filter(email__contains="leak-check", status="visible").count() >= 4
    assert Comment.objects.filter(status="visible").count() >= 4

    anonymous = Client(REMOTE_ADDR=IPS[0], HTTP_USER_AGENT=USER_AGENT)  # even the signer's own
    pages = crawl(anonymous, ["/", "/en/", "/es/", "/en/privacy/", "/es/privacy/",
                              "/en/no-such-page/", "/es/s/no-such-statement/", "/en/s/open-letter/?page=999",
                              "/en/signatories/open-letter/?after=garbage", "/en/comments/c/999999/",
                              "/en/privacy/your-data/forged-token/", "/robots.txt", "/sitemap.xml",
                              # What partner sites show (not linked from the pages).
                              "/embed/open-letter/", "/es/embed/open-letter/badge.svg",
                              "/embed/open-letter/count.json",
                              *guessed_urls(HIDDEN_ORGANISATIONS)])

    visited = [p for p, (status, _) in pages.items() if status == 200]
    assert len(visited) >= 8, visited
    assert any("/es/" in p for p in visited)
    assert any(("page=" in p or "after=" in p) for p in visited), "pagination was not reached"
    assert {404} <= {status for status, _ in pages.values()}
    secrets = secrets_to_find()
    leaks = [(path, secret) for path, (_status, text) in pages.items() for secret in secrets
             if secret in text.lower()]
    assert leaks == []
    # A hidden organisation's guessable page answers as for a name never heard of.
    for path in guessed_urls(HIDDEN_ORGANISATIONS):
        assert pages[path][0] == 404, path
    shown = [(path, name) for path, (_status, text) in pages.items() for name in NEVER_SHOWN
             if name.lower() in text.lower()]
    assert shown == []
    # Shown names did reach the public pages (the crawl saw the real content).
    everything = "\n".join(text for _s, text in pages.values())
    assert "Signer Person 1" in everything and "Public words" in everything
    assert "Direct Commenter" in everything


@pytest.mark.django_db
def test_raw_request_data_is_never_stored(monkeypatch) -> None:
    """IPs and user agents reach the database, the cache and the logs only as nothing or a
    keyed hash: after real sign-ons and comments, no table and no log handler holds them."""
    import io
    import logging

    from django.core.management import call_command

    statement = make_statement("open-letter", signature_moderation="none", comment_moderation="none")
    post_through_the_forms(statement, monkeypatch)
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    dump = out.getvalue().lower()
    for raw in [*IPS, USER_AGENT, "secret-ua-7f3a"]:
        assert raw.lower() not in dump, raw
    # Logging goes to the console only (the operator's journal), never to files in the data dir.
    for handler in settings.LOGGING.get("handlers", {}).values():
        assert "File" not in handler.get("class", ""), handler
    for name in ("", "django", "django.request", "undersigned"):
        assert not any(type(h) is logging.FileHandler for h in logging.getLogger(name).handlers)
