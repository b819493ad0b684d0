"""The consent to be contacted by the coalition (issue 18): unticked on the form, separate from
the news, kept through the intake, seen and withdrawn on the manage page, gone with a withdrawn
or forgotten signature, in the data-rights export, the editors' CSV and the privacy page."""

from __future__ import annotations

import csv
import io
import re

import pytest

from core.models import SiteSettings
from core.site import do_save_site_settings
from privacy.holdings import export_for_address
from signatures import actions, data_rights, exports, intake
from signatures.models import Signature
from tests.privacy.conftest import make_signature
from tests.privacy.test_data_rights import url_path
from tests.signatures.conftest import confirm, post_sign

pytestmark = pytest.mark.django_db

LABEL = "the coalition publishing this statement, may contact me"


def _box(page: str) -> str:
    box = re.search(r'<input type="checkbox" name="contact"[^>]*>', page)
    assert box is not None
    return box.group(0)


def test_the_sign_form_offers_the_consent_unticked_and_names_the_coalition(anon, statement):
    do_save_site_settings(None, SiteSettings(name="Rivers Coalition"), ["name"])
    page = anon.get("/en/s/water-is-life/").content.decode()
    assert "checked" not in _box(page)
    assert f'<label for="id_contact">Rivers Coalition, {LABEL}</label>' in page
    assert "separate from the news about this statement" in page
    spanish = anon.get("/es/s/water-is-life/").content.decode()
    assert "Rivers Coalition, la coalición que publica esta declaración" in spanish


def test_without_the_box_there_is_no_consent_and_news_is_not_consent(anon, statement):
    assert post_sign(anon, statement, email="quiet@example.org", news="on").status_code == 303
    signature = Signature.objects.get(email="quiet@example.org")
    assert (signature.wants_news, signature.wants_contact) == (True, False)
    assert signature.source == Signature.Source.FORM and signature.referrer == ""


def test_a_batch_of_the_intake_keeps_each_signers_choice(anon, statement, monkeypatch):
    monkeypatch.setattr(intake, "APPLY_INTERVAL", 10**9)
    monkeypatch.setattr(intake, "_last_applied", float("inf"))
    for number in range(6):
        contact = "on" if number % 2 else None
        assert post_sign(anon, statement, email=f"b{number}@example.org",
                         contact=contact).status_code == 303
    assert intake.apply_pending() == 6
    chosen = dict(Signature.objects.values_list("email", "wants_contact"))
    assert chosen == {f"b{n}@example.org": bool(n % 2) for n in range(6)}
    assert not Signature.objects.filter(wants_news=True).exists()


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_the_manage_page_shows_the_consent_and_withdraws_it(signed, anon):
    signature, links = signed("rosa@example.org", contact="on")
    confirm(anon, links["confirm"])
    page = anon.get(links["manage"]).content.decode()
    assert "checked" in _box(page)
    assert "Untick the box and save to withdraw it" in page
    form = {"action": "correct", "name": signature.name, "organisation": "", "role": "",
            "country": signature.country, "show_name": "on", "comment": ""}
    assert anon.post(links["manage"], form).status_code == 303  # the box left unticked
    signature.refresh_from_db()
    assert signature.wants_contact is False
    assert signature.status == Signature.Status.VISIBLE
    page = anon.get(links["manage"]).content.decode()
    assert "checked" not in _box(page)
    assert "receive nothing about you from this site" in page


@pytest.mark.django_db(transaction=True)
def test_withdrawing_or_forgetting_takes_the_consent_back(signed, anon):
    withdrawn, _links = signed("w@example.org", contact="on")
    forgotten, links = signed("f@example.org", contact="on", show_name="on")
    confirm(anon, links["confirm"])
    actions.do_withdraw(withdrawn)
    data_rights.erase("f@example.org")
    withdrawn.refresh_from_db()
    forgotten.refresh_from_db()
    assert not withdrawn.wants_contact and not forgotten.wants_contact


@pytest.mark.django_db(transaction=True)
def test_the_data_rights_export_says_so(signed):
    signed("rosa@example.org", contact="on")
    signed("ana@example.org")
    [rosa] = export_for_address("rosa@example.org")["signatures"]
    [ana] = export_for_address("ana@example.org")["signatures"]
    assert rosa["may_be_contacted_by_the_coalition"] is True
    assert ana["may_be_contacted_by_the_coalition"] is False
    assert (rosa["source"], rosa["referrer"]) == ("form", "")


@pytest.mark.django_db(transaction=True)
def test_the_editors_csv_has_the_column_and_the_public_one_does_not(signed, anon, statement):
    for email, contact in (("rosa@example.org", "on"), ("ana@example.org", None)):
        _signature, links = signed(email, contact=contact)
        confirm(anon, links["confirm"])
    rows = list(csv.DictReader(io.StringIO("\n".join(
        ",".join(row) for row in exports.export_rows(statement, with_emails=True)))))
    assert {row["Email"]: row["May be contacted by the coalition"] for row in rows} == {
        "rosa@example.org": "yes", "ana@example.org": "no"}
    assert all(row["Referred by"] == "" for row in rows)
    public = next(exports.export_rows(statement, with_emails=False))
    assert "May be contacted by the coalition" not in public


def test_the_privacy_page_explains_the_consent(anon):
    page = anon.get("/en/privacy/").content.decode()
    assert 'id="contact-consent"' in page
    assert "Without it, no tool receives your address from this site." in page
    assert "A partner site may also pass on your signature" in page
    spanish = anon.get("/es/privacy/").content.decode()
    assert "Sin ella, ninguna herramienta recibe su dirección desde este sitio." in spanish


def test_the_admin_shows_where_a_sign_on_came_from_and_the_consent(editor_client, statement):
    signature = Signature.objects.create(
        statement=statement, kind=Signature.Kind.INDIVIDUAL, name="Ana Lima",
        email="ana@example.org", source=Signature.Source.API, referrer="river-keepers-site",
        wants_contact=True, language="en")
    page = editor_client.get(f"/admin/signatures/signature/{signature.pk}/change/"
                             ).content.decode()
    assert "river-keepers-site" in page and "Signed through the API" in page
    assert "agrees to be contacted by the coalition" in page.lower()
    listing = "/admin/signatures/signature/?status=all&source="
    assert "Ana Lima" in editor_client.get(listing + "api").content.decode()
    assert "Ana Lima" not in editor_client.get(listing + "form").content.decode()


def test_the_data_rights_page_says_who_may_contact_and_where_it_came_from(anon, statement):
    make_signature(statement, "ana@example.org", wants_contact=True,
                   source=Signature.Source.API, referrer="partner")
    page = anon.get(url_path("ana@example.org")).content.decode()
    assert "the coalition may contact you" in page and "sent by a partner site" in page
    Signature.objects.update(wants_contact=False, source=Signature.Source.FORM)
    page = anon.get(url_path("ana@example.org")).content.decode()
    assert "the coalition may contact you" not in page and "partner site" not in page
