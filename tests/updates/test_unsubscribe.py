"""RFC 8058 one-click unsubscribe: the mail client's POST works without cookies or CSRF token
and is idempotent; a GET (a link scanner) only shows the button; a forged or dead link is a
clear 4xx and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from core.handlers import is_public_form_post
from signatures import actions as signature_actions
from signatures.models import Signature
from tests.updates.conftest import make_signer, make_update
from updates import actions, tokens
from updates.models import UpdateMail
from updates.tasks import unsubscribe_url

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def signer(statement) -> Signature:
    return make_signer(statement, "rosa@example.org")


def path_of(signer: Signature, language: str = "en") -> str:
    url = unsubscribe_url(signer.pk, signer.token_salt, language)
    return url[url.index("/", url.index("//") + 2):]


def mail_client() -> Client:
    """What a mail provider's server sends: no cookie, no CSRF token, no Origin header."""
    return Client(enforce_csrf_checks=True)


def one_click(client: Client, path: str):
    # RFC 8058 §3.1: the body is the single field, urlencoded (or multipart).
    return client.post(path, ONE_CLICK, content_type="application/x-www-form-urlencoded")


def test_a_get_shows_a_button_and_unsubscribes_nobody(signer):
    client = mail_client()
    for method in (client.get, client.head):
        response = method(path_of(signer))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
    page = client.get(path_of(signer)).content.decode()
    assert "Send me no more news" in page and 'method="post"' in page
    signer.refresh_from_db()
    assert signer.wants_news is True


def test_the_one_click_post_works_without_cookies_and_is_idempotent(signer, statement):
    update = make_update(statement)
    actions.do_send_update(update, actor="editor")
    assert UpdateMail.objects.filter(signature=signer).exists()
    client = mail_client()
    response = one_click(client, path_of(signer))
    assert response.status_code == 200
    assert "You will get no more news" in response.content.decode()
    assert not response.cookies
    signer.refresh_from_db()
    assert signer.wants_news is False
    assert signer.status == Signature.Status.VISIBLE  # the signature stays
    assert not UpdateMail.objects.filter(signature=signer).exists()  # nor its waiting mail
    again = one_click(client, path_of(signer))
    assert again.status_code == 200
    signer.refresh_from_db()
    assert signer.wants_news is False


def test_the_pages_own_button_and_a_multipart_post_work_too(statement):
    first = make_signer(statement, "first@example.org")
    second = make_signer(statement, "second@example.org", language="es")
    client = mail_client()
    assert client.post(path_of(first), {"List-Unsubscribe": "One-Click"}).status_code == 200
    response = client.post(path_of(second, "es"), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()
    assert not Signature.objects.filter(wants_news=True).exists()


def test_the_post_is_served_by_the_short_public_form_chain(signer):
    assert is_public_form_post({"REQUEST_METHOD": "POST", "PATH_INFO": path_of(signer)})


def test_a_cross_site_post_cannot_do_more_than_the_link_allows(signer, statement):
    other = make_signer(statement, "other@example.org")
    response = mail_client().post(path_of(signer), ONE_CLICK,
                                  content_type="application/x-www-form-urlencoded",
                                  HTTP_ORIGIN="https://evil.example", HTTP_SEC_FETCH_SITE="cross-site")
    # Whoever holds the link may stop the news it names (a mail client posts from anywhere);
    # nothing else changes.
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.wants_news is True


@pytest.mark.parametrize("token", [
    "1.0123456789abcdef0123456789abcdef",  # forged MAC
    "999999.0123456789abcdef0123456789abcdef",  # no such signature
    "01.0123456789abcdef0123456789abcdef",  # not the canonical spelling of the number
    "garbage", "1.2.3", ".", "1.", "%C3%A9.abc", "１.abc", "1" * 200,
])
def test_a_forged_or_malformed_link_is_refused_and_changes_nothing(signer, token):
    client = mail_client()
    for response in (client.get(f"/en/news/unsubscribe/{token}/"),
                     one_click(client, f"/en/news/unsubscribe/{token}/")):
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    signer.refresh_from_db()
    assert signer.wants_news is True


def test_the_link_of_another_signature_or_an_altered_one_opens_nothing(signer, statement):
    other = make_signer(statement, "other@example.org")
    real = tokens.make_token(signer.pk, signer.token_salt)
    _id, mac = real.split(".")
    for token in (f"{other.pk}.{mac}", real[:-1] + ("0" if real[-1] != "0" else "1"),
                  real.upper()):
        assert one_click(mail_client(), f"/en/news/unsubscribe/{token}/").status_code == 404
    assert Signature.objects.filter(wants_news=True).count() == 2


def test_a_withdrawn_or_erased_signers_link_is_dead(signer, statement):
    signature_actions.reconcile_counts([statement])
    path = path_of(signer)
    signature_actions.do_withdraw(signer)
    assert one_click(mail_client(), path).status_code == 404
    assert mail_client().get(path).status_code == 404


def test_wrong_methods_and_huge_bodies_are_refused(signer):
    client = mail_client()
    assert client.put(path_of(signer)).status_code == 405
    assert client.delete(path_of(signer)).status_code == 405
    response = client.post(path_of(signer), "x=" + "a" * 5000,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    signer.refresh_from_db()
    assert signer.wants_news is True
