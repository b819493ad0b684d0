"""The API as an integration meets it: a real `undersigned serve` (granian, the RSGI adapter that
builds the request on the event loop) on 127.0.0.1, a token made in the site's own database,
and plain HTTP. The token header must reach the view through the server's own request path."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.tokens import HEADER
from tests.conftest import free_port
from tests.livesite import Site


@pytest.fixture
def site(tmp_path: Path):
    site = Site(tmp_path, free_port(), database_suffix="api_read")
    try:
        yield site
    finally:
        site.stop()
        site.drop()


def get(site: Site, url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=15)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                           headers=headers or {})
        response = connection.getresponse()
        assert response.getheader("Content-Type", "").startswith("application/hal+json")
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_crm_reads_consenting_signers_through_the_real_server(site: Site) -> None:
    _slug, pk = site.setup()
    text = site.run("shell", "-c", (
        "from django.utils import timezone; from signatures.models import Signature; "
        "from signatures.actions import reconcile_counts; from statements.models import Statement; "
        "from api.tokens import make_token, Scope; "
        f"s = Statement.objects.get(pk={pk}); "
        "Signature.objects.create(statement=s, kind='individual', status='visible', "
        "name='Ana Lima', email='ana@example.org', wants_contact=True, country='Chile', "
        "confirmed_at=timezone.now()); reconcile_counts([s]); "
        "print(make_token(name='CRM', scopes={Scope.READ_PRIVATE})[1])")).strip().splitlines()[-1]
    site.start()
    status, root = get(site, "/api/v1/")
    assert status == 200 and root["osdi_version"] == "1.0"
    status, _body = get(site, root["_links"]["osdi:people"]["href"])
    assert status == 401
    status, people = get(site, root["_links"]["osdi:people"]["href"], {HEADER: text})
    assert status == 200
    person = people["_embedded"]["osdi:people"][0]
    assert person["email_addresses"][0]["address"] == "ana@example.org"
    status, signature = get(site, person["_links"]["osdi:signatures"]["href"], {HEADER: text})
    assert status == 200 and signature["_links"]["osdi:person"] == person["_links"]["self"]
    status, anonymous = get(site, person["_links"]["osdi:signatures"]["href"])
    assert status == 200 and "osdi:person" not in anonymous["_links"]
    assert anonymous["undersigned:display"]["name"] == "Ana Lima"
    status, _body = get(site, "/api/v1/people", {HEADER: text.split(".")[0] + ".forged"})
    assert status == 401
