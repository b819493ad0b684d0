"""Cross-site posts to the public forms (core.protection.is_same_origin): an origin is a scheme,
a host and a port, so a page served over plain http — which anyone on the path can write — does
not count as the https site of the same name."""

from __future__ import annotations

import pytest

from signatures.models import Signature
from tests.signatures.conftest import sign_data

pytestmark = pytest.mark.django_db

SITE = "https://sign.example.org"


@pytest.fixture
def https_site(settings):
    settings.BASE_URL = SITE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "sign.example.org"]


def post(anon, statement, origin: str, email: str, *, secure: bool = True):  # noqa: ANN001
    return anon.post("/en/sign/water-is-life/", sign_data(statement, email=email),
                     HTTP_HOST="sign.example.org", HTTP_ORIGIN=origin, secure=secure,
                     REMOTE_ADDR="198.51.100.20")


@pytest.mark.parametrize("origin", [
    "http://sign.example.org",        # the same host over plain http
    "http://sign.example.org:443",
    "https://sign.example.org:8443",  # another port is another origin
    "https://evil.example",
    "null",
    "https://sign.example.org:notaport",  # unreadable: refused, not a 500
    "sign.example.org",
])
def test_a_post_from_another_origin_is_refused_and_stores_nothing(anon, statement, https_site,
                                                                  origin):
    response = post(anon, statement, origin, "victim@example.org")
    assert response.status_code == 403
    assert not Signature.objects.exists()


@pytest.mark.parametrize("origin", [SITE, "https://sign.example.org:443", "HTTPS://Sign.Example.org"])
def test_a_post_from_the_site_itself_is_taken(anon, statement, https_site, origin):
    assert post(anon, statement, origin, "ana@example.org").status_code == 303
    assert Signature.objects.filter(email="ana@example.org").exists()


def test_the_request_s_own_origin_counts_as_well(anon, statement, https_site):
    """Reached under another name than BASE_URL's (e.g. http://127.0.0.1:8000 on the server
    itself), a form posts from the origin it was served from."""
    response = anon.post("/en/sign/water-is-life/", sign_data(statement, email="ana@example.org"),
                         HTTP_HOST="127.0.0.1:8000", HTTP_ORIGIN="http://127.0.0.1:8000",
                         REMOTE_ADDR="198.51.100.21")
    assert response.status_code == 303
    refused = anon.post("/en/sign/water-is-life/", sign_data(statement, email="eve@example.org"),
                        HTTP_HOST="127.0.0.1:8000", HTTP_ORIGIN="https://127.0.0.1:8000",
                        REMOTE_ADDR="198.51.100.22")
    assert refused.status_code == 403
    assert list(Signature.objects.values_list("email", flat=True)) == ["ana@example.org"]
