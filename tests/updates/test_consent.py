"""The news consent: unticked on the form, kept through the intake, shown and changed on the
signer's manage page, explained on the privacy page, included in the data-rights export."""

from __future__ import annotations

import re

import pytest

from privacy.holdings import export_for_address
from signatures import intake
from signatures.models import Signature
from tests.signatures.conftest import post_sign

pytestmark = pytest.mark.django_db


def test_the_sign_form_offers_the_consent_unticked(anon, statement):
    page = anon.get("/en/s/water-is-life/").content.decode()
    box = re.search(r'<input type="checkbox" name="news"[^>]*>', page)
    assert box is not None
    assert "checked" not in box.group(0)
    assert '<label for="id_news">Send me news about this statement</label>' in page
    spanish = anon.get("/es/s/water-is-life/").content.decode()
    assert 'name="news"' in spanish and "Send me news about this statement" not in spanish


def test_without_the_box_there_is_no_consent(anon, statement):
    assert post_sign(anon, statement, email="quiet@example.org").status_code == 303
    assert Signature.objects.get(email="quiet@example.org").wants_news is False


def test_the_ticked_box_reaches_the_signature(anon, statement):
    assert post_sign(anon, statement, email="keen@example.org", news="on").status_code == 303
    assert Signature.objects.get(email="keen@example.org").wants_news is True


def test_a_batch_of_the_intake_keeps_each_signers_choice(anon, statement, monkeypatch):
    # A surge: requests only append, and one apply copies every column of the batch.
    monkeypatch.setattr(intake, "APPLY_INTERVAL", 10**9)
    monkeypatch.setattr(intake, "_last_applied", float("inf"))
    for number in range(6):
        news = "on" if number % 2 else None
        assert post_sign(anon, statement, email=f"batch{number}@example.org",
                         news=news).status_code == 303
    assert Signature.objects.count() == 0
    assert intake.apply_pending() == 6
    chosen = dict(Signature.objects.values_list("email", "wants_news"))
    assert chosen == {f"batch{n}@example.org": bool(n % 2) for n in range(6)}


def test_a_nonsense_value_is_a_tick_and_nothing_breaks(anon, statement):
    # A checkbox sends "on"; anything else that is not "false"/"0" reads as ticked, as Django's
    # BooleanField reads it. "false" must not be taken as consent.
    assert post_sign(anon, statement, email="f@example.org", news="false").status_code == 303
    assert Signature.objects.get(email="f@example.org").wants_news is False


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_the_manage_page_shows_the_consent_and_changes_it(signed, anon):
    signature, links = signed("rosa@example.org", news="on")
    anon.post(links["confirm"], REMOTE_ADDR="203.0.113.7")
    page = anon.get(links["manage"]).content.decode()
    box = re.search(r'<input type="checkbox" name="news"[^>]*>', page)
    assert box is not None and "checked" in box.group(0)
    assert "Untick the box and save to stop them" in page
    form = {"action": "correct", "name": signature.name, "organisation": "", "role": "",
            "country": signature.country, "show_name": "on", "comment": ""}
    response = anon.post(links["manage"], form)  # the box left unticked
    assert response.status_code == 303
    signature.refresh_from_db()
    assert signature.wants_news is False
    assert signature.status == Signature.Status.VISIBLE  # not sent back to review for this
    page = anon.get(links["manage"]).content.decode()
    assert "Tick the box and save to get the editors" in page
    assert anon.post(links["manage"], {**form, "news": "on"}).status_code == 303
    signature.refresh_from_db()
    assert signature.wants_news is True


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_the_export_says_whether_news_was_asked_for(signed):
    signed("rosa@example.org", news="on")
    signed("ana@example.org")
    [rosa] = export_for_address("rosa@example.org")["signatures"]
    [ana] = export_for_address("ana@example.org")["signatures"]
    assert rosa["news_about_the_statement"] is True
    assert ana["news_about_the_statement"] is False


def test_the_privacy_page_explains_the_consent(anon):
    page = anon.get("/en/privacy/").content.decode()
    assert "Send me news about this statement" in page
    assert "one click" in page
    spanish = anon.get("/es/privacy/").content.decode()
    assert "Envíenme noticias sobre esta declaración" in spanish
