"""The read API as a client sees it: the entry point, HAL links from it to a signature and
back, what each kind of caller may read, paging, filtering and the refusals (docs/api.md)."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from api.tokens import HEADER, Scope, make_token, revoke
from core.models import AuditEntry
from signatures.actions import reconcile_counts
from signatures.models import Signature
from statements.models import Organisation, Statement, StatementImage, Translation
from tests.api.conftest import get, sign, token_header
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db

PRIVATE_WORDS = ("@example.org", "email_addresses", "osdi:person", "referrer_data",
                 "partner-site", "Hidden", "Secret Collective", "Org Representative",
                 "Unconfirmed", "Held Person", "Rejected")


def path(href: str) -> str:
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_entry_point_names_the_server_and_links_the_collections(client: Client) -> None:
    status, body = get(client, "/api/v1/")
    assert status == 200
    assert body["osdi_version"] == "1.0" and body["vendor_name"] == "undersigned"
    assert body["max_pagesize"] == 100 and body["motd"] and body["product_name"]
    links = body["_links"]
    assert links["osdi:petitions"]["href"].endswith("/api/v1/petitions")
    assert links["osdi:people"]["href"].endswith("/api/v1/people")
    assert links["self"]["href"].endswith("/api/v1/")
    assert {curie["name"] for curie in links["curies"]} >= {"osdi"}


def test_hal_links_lead_from_the_entry_point_to_a_signature_and_back(client: Client,
                                                                     signed: dict) -> None:
    _status, root = get(client, "/api/v1/")
    _status, petitions = get(client, path(root["_links"]["osdi:petitions"]["href"]))
    first = petitions["_embedded"]["osdi:petitions"][0]
    assert first["_links"]["self"] == petitions["_links"]["osdi:petitions"][0]
    _status, petition = get(client, path(first["_links"]["self"]["href"]))
    assert petition["title"] == "Water is life"
    _status, signatures = get(client, path(petition["_links"]["osdi:signatures"]["href"]))
    one = signatures["_embedded"]["osdi:signatures"][0]
    status, signature = get(client, path(one["_links"]["self"]["href"]))
    assert status == 200 and signature == one
    _status, back = get(client, path(signature["_links"]["osdi:petition"]["href"]))
    assert back == petition
    helper = petition["_links"]["osdi:record_signature_helper"]["href"]
    assert helper.endswith(f"/api/v1/petitions/{signed['statement'].pk}/record_signature_helper")


def test_a_petition_carries_the_statement_its_issuers_translations_and_count(
        client: Client, signed: dict) -> None:
    statement = signed["statement"]
    Translation.objects.create(statement=statement, language="es", title="El agua es vida",
                               body="Juntas.")
    status, petition = get(client, f"/api/v1/petitions/{statement.pk}")
    assert status == 200
    assert petition["identifiers"] == [f"undersigned:petition-{statement.pk}"]
    assert petition["description"] == "<p>We <strong>stand</strong> together.</p>\n"
    assert petition["petition_text"] == "We **stand** together."
    assert petition["summary"] == "Together."
    assert petition["browser_url"].endswith("/en/s/water-is-life/")
    assert petition["created_date"].endswith("Z") and petition["modified_date"].endswith("Z")
    # Every visible signature counts, named or not: the page's own total.
    assert petition["total_signatures"] == 4 + 2
    assert [o["name"] for o in petition["_embedded"]["osdi:creator"]] == ["River Keepers"]
    spanish = petition["undersigned:translations"]
    assert [(t["language"], t["title"]) for t in spanish] == [("es", "El agua es vida")]
    assert Client().get(path(spanish[0]["browser_url"])).status_code == 200


def test_the_featured_image_and_a_corrected_organisation_name_are_the_pages(
        client: Client, signed: dict) -> None:
    statement = signed["statement"]
    image = StatementImage.objects.create(
        statement=statement, source_name="river.jpg", alt="A river", width=1200, height=800,
        renditions=[{"name": "img/river-600.jpg", "width": 600},
                    {"name": "img/river-1200.jpg", "width": 1200}])
    Statement.objects.filter(pk=statement.pk).update(featured_image=image)
    _status, petition = get(client, f"/api/v1/petitions/{statement.pk}")
    assert petition["featured_image_url"].endswith("/media/img/river-1200.jpg")
    organisation = Organisation.objects.create(name="Union of Rivers (corrected)",
                                               slug="union-of-rivers")
    Signature.objects.filter(pk=signed["organisation"].pk).update(organisation=organisation)
    _status, body = get(client, f"/api/v1/petitions/{statement.pk}/signatures")
    names = [e["undersigned:display"].get("organisation") for e in
             body["_embedded"]["osdi:signatures"]]
    assert "Union of Rivers (corrected)" in names
    page = Client().get(f"/en/signatories/{statement.slug}/?kind=organisation").content.decode()
    assert "Union of Rivers (corrected)" in page


def test_drafts_are_never_petitions(client: Client, signed: dict) -> None:
    draft = make_statement("secret-draft", status=Statement.Status.DRAFT, title="Secret draft")
    _status, listing = get(client, "/api/v1/petitions")
    assert [p["title"] for p in listing["_embedded"]["osdi:petitions"]] == ["Water is life"]
    assert listing["total_records"] == 1
    for url in (f"/api/v1/petitions/{draft.pk}", f"/api/v1/petitions/{draft.pk}/signatures"):
        status, body = get(client, url)
        assert status == 404 and body["osdi:error"]["response_code"] == 404
    assert "Secret draft" not in client.get("/api/v1/petitions").content.decode()


def names_on_the_public_list(client: Client, slug: str) -> set[str]:
    html = ""
    for kind in ("individual", "organisation"):
        html += client.get(f"/en/signatories/{slug}/?kind={kind}").content.decode()
    return {word for word in ("Named Person", "Contact Person", "Union of Rivers", "Hidden",
                              "Secret Collective", "Org Representative") if word in html}


def test_anonymous_callers_read_exactly_the_public_list(client: Client, signed: dict) -> None:
    statement = signed["statement"]
    raw = client.get(f"/api/v1/petitions/{statement.pk}/signatures").content.decode()
    body = json.loads(raw)
    shown = {entry["undersigned:display"].get("name") or entry["undersigned:display"].get(
        "organisation") for entry in body["_embedded"]["osdi:signatures"]}
    assert shown == {"Named Person", "Contact Person", "Union of Rivers"}
    assert shown == names_on_the_public_list(Client(), statement.slug)
    assert body["total_records"] == 3
    for word in PRIVATE_WORDS:
        assert word not in raw
    organisation = next(e for e in body["_embedded"]["osdi:signatures"]
                        if e["undersigned:display"]["kind"] == "organisation")
    # An organisation is shown by its name alone: never its representative.
    assert organisation["undersigned:display"] == {
        "kind": "organisation", "organisation": "Union of Rivers", "country": "Peru"}


@pytest.mark.parametrize("key", ["counted", "hidden_org", "held", "unconfirmed", "rejected",
                                 "withdrawn"])
def test_a_signature_not_on_the_public_list_is_not_found(client: Client, signed: dict,
                                                         key: str) -> None:
    url = f"/api/v1/petitions/{signed['statement'].pk}/signatures/{signed[key].pk}"
    status, _body = get(client, url)
    assert status == 404
    status, _body = get(client, url, **token_header(Scope.READ))
    assert status == 404


def test_comments_only_when_approved_and_the_statement_shows_them(client: Client,
                                                                  signed: dict) -> None:
    statement = signed["statement"]
    sign(statement, "unapproved@example.org", name="Unapproved", comment="Not yet moderated")
    raw = client.get(f"/api/v1/petitions/{statement.pk}/signatures").content.decode()
    assert "Because water" in raw and "Not yet moderated" not in raw
    Statement.objects.filter(pk=statement.pk).update(show_signature_comments=False)
    raw = client.get(f"/api/v1/petitions/{statement.pk}/signatures").content.decode()
    assert "Because water" not in raw and '"comments"' not in raw


@pytest.mark.parametrize("scopes", [(Scope.READ,), (Scope.SIGN,), (Scope.READ, Scope.SIGN)])
def test_tokens_without_read_private_see_what_anonymous_callers_see(
        client: Client, signed: dict, scopes: tuple[Scope, ...]) -> None:
    statement = signed["statement"]
    headers = token_header(*scopes)
    urls = [f"/api/v1/petitions/{statement.pk}/signatures",
            f"/api/v1/petitions/{statement.pk}/signatures/{signed['named_contact'].pk}",
            f"/api/v1/petitions/{statement.pk}", "/api/v1/petitions"]
    for url in urls:
        anonymous = client.get(url).content.decode()
        with_token = client.get(url, **headers).content.decode()
        assert with_token == anonymous
        for word in PRIVATE_WORDS:
            assert word not in with_token, (url, word)
    assert not AuditEntry.objects.filter(action="api.read_private").exists()


def test_read_private_adds_the_counted_and_links_only_consenting_signers(client: Client,
                                                                         signed: dict) -> None:
    statement = signed["statement"]
    headers = token_header(Scope.READ_PRIVATE)
    _status, body = get(client, f"/api/v1/petitions/{statement.pk}/signatures", **headers)
    entries = {int(e["identifiers"][0].rsplit("-", 1)[1]): e
               for e in body["_embedded"]["osdi:signatures"]}
    visible = {signed[k].pk for k in ("named", "named_contact", "counted", "counted_contact",
                                      "organisation", "hidden_org")}
    assert set(entries) == visible and body["total_records"] == 6
    with_person = {pk for pk, e in entries.items() if "osdi:person" in e["_links"]}
    assert with_person == {signed["named_contact"].pk, signed["counted_contact"].pk}
    # Count-only signers are listed without any name, even to this token.
    assert entries[signed["counted"].pk]["undersigned:display"] == {}
    assert entries[signed["hidden_org"].pk]["undersigned:display"] == {}
    assert entries[signed["named_contact"].pk]["referrer_data"] == {"source": "partner-site"}
    entry = AuditEntry.objects.get(action="api.read_private")
    assert entry.actor_name.startswith("API token CiviCRM sync")
    assert sorted(entry.detail["signatures"]) == sorted(visible)
    assert "@" not in json.dumps(entry.detail)


def test_people_exist_only_under_read_private(client: Client, signed: dict) -> None:
    status, body = get(client, "/api/v1/people")
    assert status == 401 and body["osdi:error"]["response_code"] == 401
    for scope in (Scope.READ, Scope.SIGN):
        status, body = get(client, "/api/v1/people", **token_header(scope))
        assert status == 403, scope
        status, _body = get(client, f"/api/v1/people/{signed['named_contact'].pk}",
                            **token_header(scope))
        assert status == 403
    status, body = get(client, "/api/v1/people", **token_header(Scope.READ_PRIVATE))
    assert status == 200
    people = body["_embedded"]["osdi:people"]
    assert [p["email_addresses"][0]["address"] for p in people] == [
        "contact@example.org", "counted-contact@example.org"]
    contact = people[0]
    assert contact["given_name"] == "Contact Person" and "family_name" not in contact
    assert contact["employer"] == "Clinic" and contact["work_title"] == "Nurse"
    assert contact["postal_addresses"] == [{"primary": True, "country": "Peru"}]
    _status, signature = get(client, path(contact["_links"]["osdi:signatures"]["href"]),
                             **token_header(Scope.READ_PRIVATE))
    assert signature["_links"]["osdi:person"]["href"] == contact["_links"]["self"]["href"]


@pytest.mark.parametrize("key", ["named", "counted", "held", "unconfirmed", "rejected",
                                 "withdrawn", "organisation"])
def test_a_signer_who_did_not_consent_or_is_not_accepted_is_no_person(client: Client,
                                                                      signed: dict,
                                                                      key: str) -> None:
    status, _body = get(client, f"/api/v1/people/{signed[key].pk}",
                        **token_header(Scope.READ_PRIVATE))
    assert status == 404


def test_each_private_read_is_one_audit_entry_without_addresses(client: Client,
                                                                signed: dict) -> None:
    headers = token_header(Scope.READ_PRIVATE, name="Partner CRM")
    client.get("/api/v1/people", **headers)
    client.get(f"/api/v1/people/{signed['named_contact'].pk}", **headers)
    entries = list(AuditEntry.objects.filter(action="api.read_private").order_by("id"))
    assert [e.detail["endpoint"] for e in entries] == ["people", "person"]
    assert entries[1].detail["signatures"] == [signed["named_contact"].pk]
    assert all("Partner CRM" in e.actor_name for e in entries)
    assert "example.org" not in json.dumps([e.detail for e in entries])


@pytest.mark.parametrize("header", ["", "garbage", "abc.def", ".", "x" * 500, "é.é"])
def test_a_bad_token_is_401_never_anonymous(client: Client, signed: dict, header: str) -> None:
    status, body = get(client, "/api/v1/petitions", headers={HEADER: header})
    assert status == 401 and body["osdi:error"]["response_code"] == 401


def test_a_revoked_token_is_401(client: Client, signed: dict) -> None:
    token, text = make_token(name="Old sync", scopes={Scope.READ_PRIVATE})
    assert client.get("/api/v1/people", headers={HEADER: text}).status_code == 200
    revoke(token)
    status, _body = get(client, "/api/v1/people", headers={HEADER: text})
    assert status == 401
    prefix = text.split(".")[0]
    status, _body = get(client, "/api/v1/people", headers={HEADER: f"{prefix}.wrong-secret"})
    assert status == 401


def collect(client: Client, url: str, **extra) -> tuple[list[dict], list[dict]]:
    pages, entries = [], []
    while url:
        status, body = get(client, url, **extra)
        assert status == 200
        pages.append(body)
        entries += body["_embedded"]["osdi:signatures"]
        url = path(body["_links"]["next"]["href"]) if "next" in body["_links"] else ""
    return pages, entries


def test_following_next_walks_every_signature_once_in_signing_order(client: Client,
                                                                    statement: Statement
                                                                    ) -> None:
    same_moment = timezone.now() - timedelta(hours=1)
    rows = [sign(statement, f"p{n}@example.org", name=f"Person {n}",
                 kind="organisation" if n % 3 == 0 else "individual",
                 organisation_name=f"Org {n}") for n in range(23)]
    # Some signed in the same microsecond: the id breaks the tie.
    Signature.objects.filter(pk__in=[r.pk for r in rows[5:9]]).update(confirmed_at=same_moment)
    for n, row in enumerate(rows[9:], start=1):
        Signature.objects.filter(pk=row.pk).update(
            confirmed_at=same_moment + timedelta(seconds=n))
    reconcile_counts([statement])
    pages, entries = collect(client, f"/api/v1/petitions/{statement.pk}/signatures?per_page=4")
    ids = [int(e["identifiers"][0].rsplit("-", 1)[1]) for e in entries]
    expected = list(Signature.objects.filter(statement=statement).order_by(
        "confirmed_at", "id").values_list("id", flat=True))
    assert ids == expected
    assert [p["page"] for p in pages] == list(range(1, 7))
    assert all(p["total_pages"] == 6 and p["per_page"] == 4 for p in pages)
    # A page number without a cursor (a client counting pages) reaches the same page.
    _status, third = get(client, f"/api/v1/petitions/{statement.pk}/signatures?per_page=4"
                                 "&page=3")
    assert third["_embedded"] == pages[2]["_embedded"]
    assert path(third["_links"]["prev"]["href"]).endswith("per_page=4&page=2")


def test_a_page_number_far_from_the_start_asks_to_follow_next(client: Client,
                                                              statement: Statement) -> None:
    status, body = get(client, f"/api/v1/petitions/{statement.pk}/signatures?page=42")
    assert status == 400
    description = body["osdi:error"]["resource_status"][0]["error_descriptions"][0]
    assert description["properties"] == ["page"] and "_links.next" in description["hint"]
    assert get(client, f"/api/v1/petitions/{statement.pk}/signatures?page=41")[0] == 200


def test_modified_date_filter_pulls_only_what_changed(client: Client, statement: Statement
                                                     ) -> None:
    old = sign(statement, "old@example.org", name="Old Signer", minutes_ago=600)
    new = sign(statement, "new@example.org", name="New Signer")
    earlier = timezone.now() - timedelta(hours=5)
    Signature.objects.filter(pk=old.pk).update(updated_at=earlier)
    since = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = f"/api/v1/petitions/{statement.pk}/signatures?filter=modified_date gt '{since}'"
    _status, body = get(client, url)
    assert [e["identifiers"][0] for e in body["_embedded"]["osdi:signatures"]] == [
        f"undersigned:signature-{new.pk}"]
    assert body["total_records"] == 1
    _status, body = get(client, f"/api/v1/petitions/{statement.pk}/signatures?filter="
                                f"modified_date lt '{since}' and modified_date ge '2020-01-01'")
    assert [e["identifiers"][0] for e in body["_embedded"]["osdi:signatures"]] == [
        f"undersigned:signature-{old.pk}"]


@pytest.mark.parametrize("query", [
    "filter=name eq 'x'", "filter=modified_date gt 2026", "filter=modified_date eq '2026-01-01'",
    "filter=modified_date gt 'yesterday'", "filter=modified_date gt '2026-01-01' or 1",
    "per_page=0", "per_page=101", "per_page=-1", "page=0", "page=abc", "page=01",
    "after=nonsense", "after=MQ", "per_page=1e3",
    # 999999999999999999.1: a moment past the year 9999; and a date in year 0 in UTC.
    "after=OTk5OTk5OTk5OTk5OTk5OTk5LjE", "filter=modified_date gt '0001-01-01T00:00:00+01:00'",
    "filter=modified_date gt '1969-12-31'"])
def test_bad_paging_and_filters_are_400_with_a_description(client: Client, signed: dict,
                                                           query: str) -> None:
    for url in ("/api/v1/petitions", f"/api/v1/petitions/{signed['statement'].pk}/signatures"):
        status, body = get(client, f"{url}?{query}")
        assert status == 400, (url, query)
        assert body["osdi:error"]["resource_status"][0]["error_descriptions"][0]["description"]


@pytest.mark.parametrize("url", ["/api/v1/petitions/99999999999999999999999999",
                                 "/api/v1/petitions/0", "/api/v1/petitions/abc",
                                 "/api/v1/petitions/1/signatures/99999999999999999999",
                                 "/api/v1/people/99999999999999999999999", "/api/v1/elsewhere",
                                 "/api/v1/petitions/"])
def test_missing_resources_are_json_404s(client: Client, signed: dict, url: str) -> None:
    status, body = get(client, url, **token_header(Scope.READ_PRIVATE))
    assert status == 404 and body["osdi:error"]["response_code"] == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_to_a_read_endpoint_is_405_and_changes_nothing(client: Client, signed: dict,
                                                               method: str) -> None:
    before = Statement.objects.count(), Signature.objects.count()
    response = getattr(client, method)(f"/api/v1/petitions/{signed['statement'].pk}",
                                       data="{}", content_type="application/json")
    assert response.status_code == 405 and "GET" in response["Allow"]
    assert json.loads(response.content)["osdi:error"]["response_code"] == 405
    assert (Statement.objects.count(), Signature.objects.count()) == before


def test_every_caller_is_rate_limited_with_retry_after(client: Client, signed: dict,
                                                       frozen_limit_clock, monkeypatch) -> None:
    from api import views
    from core.protection import Limit
    monkeypatch.setattr(views, "ANONYMOUS_LIMIT", Limit("api:anonymous", 3, 60))
    monkeypatch.setattr(views, "TOKEN_LIMIT", Limit("api:token", 2, 60))
    statuses = [client.get("/api/v1/petitions").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/petitions")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert json.loads(refused.content)["osdi:error"]["response_code"] == 429
    # A token counts on its own, not against the address's limit.
    headers = token_header(Scope.READ)
    assert [client.get("/api/v1/", **headers).status_code for _ in range(3)] == [200, 200, 429]
    frozen_limit_clock.now += 61
    assert client.get("/api/v1/petitions").status_code == 200


def test_answers_are_never_stored_for_another_caller(client: Client, signed: dict) -> None:
    response = client.get("/api/v1/petitions")
    assert "no-store" in response["Cache-Control"]
