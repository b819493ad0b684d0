"""The privacy crawl over the list to hand over and the deliveries (docs/delivery.md): on the
public printable list, its PDF and the deliveries page, no email address, no count-only
signer's name, no hidden organisation and no organisation's representative — only what the
public signatory list shows."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from delivery import actions as delivery_actions
from signatures.models import Signature
from tests.conftest import make_statement
from tests.crawling import crawl
from tests.delivery.conftest import pdf_text, sign

pytestmark = pytest.mark.django_db

SECRETS = ["Countonly Secretname", "Hiddenorg Secretguild", "Representative Secretperson",
           "Heldback Secretname", "Withdrawn Secretname", "leak-check"]


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path / "data"


def seed() -> None:
    statement = make_statement(public_handover_list=True)
    sign(statement, "Shown Person", n=1, country="Peru")
    sign(statement, "Representative Secretperson", kind="organisation", n=2,
         organisation_name="Shown Union", role="Secret Role Chair")
    sign(statement, "Countonly Secretname", n=3, show_name=False)
    sign(statement, "Someone", kind="organisation", n=4,
         organisation_name="Hiddenorg Secretguild", show_name=False)
    sign(statement, "Heldback Secretname", n=5, status=Signature.Status.HELD)
    sign(statement, "Withdrawn Secretname", n=6, status=Signature.Status.WITHDRAWN)
    for signature in Signature.objects.all():
        Signature.objects.filter(pk=signature.pk).update(
            email=f"secret{signature.pk}@leak-check.example")
    delivery_actions.do_record_delivery(
        statement, recipient="Ministry of Water", delivered_on=date(2026, 11, 20),
        method="email", method_detail="", actor=None,
        handed_over=delivery_actions.HandedOver("list.pdf", 10, "b" * 64))


def test_no_hidden_name_or_email_on_the_new_public_pages():
    seed()
    client = Client()
    pages = crawl(client, ["/en/s/water-is-life/"])
    for path in ("/en/handover/water-is-life/", "/en/handover/water-is-life/pdf/",
                 "/en/deliveries/water-is-life/"):
        assert pages[path][0] == 200, path
    text = "\n".join(body for _status, body in pages.values())
    assert "Shown Person" in text and "Shown Union" in text and "Ministry of Water" in text
    pdf_response = client.get("/en/handover/water-is-life/pdf/")
    pdf = pdf_text(b"".join(pdf_response.streaming_content))
    assert "Shown Person" in pdf and "Shown Union" in pdf
    for secret in [*SECRETS, "Secret Role Chair"]:
        for path, (_status, body) in pages.items():
            if path.endswith("/pdf/"):
                continue
            assert secret not in body.replace("mailto:", ""), (secret, path)
        assert secret not in pdf, secret
