"""The list to hand over: the printable page and the PDF, who may open them, what they hold."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from core.roles import EDITOR, MODERATOR
from delivery import handover, pdf
from signatures.actions import reconcile_counts
from signatures.models import Signature
from statements.models import Revision, Translation
from tests.delivery.conftest import body, pdf_text, sign, staff_client

pytestmark = pytest.mark.django_db

PRINT = "/en/handover/water-is-life/"
PDF = "/en/handover/water-is-life/pdf/"


@pytest.fixture
def signed(statement):
    sign(statement, "", kind="organisation", n=1, organisation_name="Zeta Coop", role="Chair",
         country="Peru")
    sign(statement, "Boss Person", kind="organisation", n=2, organisation_name="Alpha Union",
         role="Secretary", country="Chile")
    sign(statement, "Secret Boss", kind="organisation", n=3, organisation_name="Hidden Guild",
         show_name=False)
    sign(statement, "Berta Núñez", n=4, organisation_name="Uni", role="Rector", country="Spain")
    sign(statement, "Ana Lima", n=5, country="Brazil")
    sign(statement, "Quiet Person", n=6, show_name=False)
    sign(statement, "Held Person", n=7, status=Signature.Status.HELD)
    sign(statement, "Gone Person", n=8, status=Signature.Status.WITHDRAWN)
    sign(statement, "Pending Person", n=9, status=Signature.Status.UNCONFIRMED)
    return statement


HIDDEN = ("Quiet Person", "Hidden Guild", "Secret Boss", "Held Person", "Gone Person",
          "Pending Person", "@example.org", "Boss Person", "Secretary")


def test_the_public_gets_404_unless_the_list_is_published(anon, signed):
    assert anon.get(PRINT).status_code == 404
    assert anon.get(PDF).status_code == 404
    signed.public_handover_list = True
    signed.save()
    assert anon.get(PRINT).status_code == 200


def test_editors_and_moderators_may_open_it_other_staff_may_not(signed):
    assert staff_client("edna", EDITOR).get(PRINT).status_code == 200
    assert staff_client("mo", MODERATOR).get(PRINT).status_code == 200
    assert staff_client("nobody", None).get(PRINT).status_code == 404


def test_the_page_holds_text_issuers_organisations_then_people_then_the_unnamed(anon, signed):
    signed.public_handover_list = True
    signed.save()
    response = anon.get(PRINT)
    assert response["X-Robots-Tag"] == "noindex"
    page = body(response)
    order = ["Water is life", "We stand together.", "Issued by", "River Keepers",
             "Organisations", "Alpha Union", "Zeta Coop, Peru",
             "and 1 organisation that chose not to be named", "People",
             "Ana Lima, Brazil", "Berta Núñez, Uni (Rector), Spain",
             "and 1 person who chose not to be named", "List made on"]
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions)
    assert "6 signatures on" in page  # 3 organisations (1 not named), 3 people (1 not named)
    for text in HIDDEN:
        assert text not in page


def test_the_text_in_a_chosen_language_and_404_for_one_not_published(anon, signed):
    Translation.objects.create(statement=signed, language="es", title="El agua es vida",
                               body="Estamos juntos.")
    signed.public_handover_list = True
    signed.save()
    page = body(anon.get(PRINT, {"language": "es"}))
    assert "El agua es vida" in page and "Estamos juntos." in page
    assert "We stand together." not in page and "Ana Lima" in page
    assert anon.get(PRINT, {"language": "fr"}).status_code == 404
    assert 400 <= anon.get(PRINT, {"language": "x" * 5000}).status_code < 500


def test_signers_of_an_earlier_revision_are_marked(anon, statement):
    Revision.objects.create(statement=statement, language="en", number=1, title="t", body="b")
    early = sign(statement, "Early Bird", n=1)
    Signature.objects.filter(pk=early.pk).update(
        revision=Revision.objects.get(statement=statement, number=1))
    Revision.objects.create(statement=statement, language="en", number=2, title="t", body="c")
    current = sign(statement, "Late Comer", n=2)
    Signature.objects.filter(pk=current.pk).update(
        revision=Revision.objects.get(statement=statement, number=2))
    statement.public_handover_list = True
    statement.save()
    page = body(anon.get(PRINT))
    assert "revision 2" in page
    assert "Early Bird (signed revision 1)" in page
    assert "Late Comer (signed" not in page


def test_names_come_in_chunks_in_alphabetical_order(statement, monkeypatch):
    monkeypatch.setattr(handover, "CHUNK", 3)
    for n, name in enumerate(["delta", "Álvaro", "charlie", "bravo", "echo", "foxtrot", "golf"]):
        sign(statement, name, n=n)
    listing = handover.handover(statement)
    chunks = list(handover.entries(listing, Signature.Kind.INDIVIDUAL))
    assert [len(chunk) for chunk in chunks] == [3, 3, 1]
    assert [e.name for chunk in chunks for e in chunk] == [
        "Álvaro", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]


def test_the_pdf_holds_the_names_and_nothing_hidden(signed):
    editor = staff_client("edna", EDITOR)
    response = editor.get(PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(b"".join(response.streaming_content))
    for name in ("Water is life", "River Keepers", "Alpha Union", "Zeta Coop", "Ana Lima",
                 "Berta Núñez", "chose not to be named"):
        assert name in text
    for hidden in HIDDEN:
        assert hidden not in text


def test_an_arabic_name_comes_back_out_of_the_pdf(statement):
    sign(statement, "ليلى أحمد", n=1, country="Egypt")
    listing = handover.handover(statement)
    output = io.BytesIO()
    pdf.write_pdf(listing, output)
    text = pdf_text(output.getvalue())
    assert "Egypt" in text
    assert "ليلى" in text and "أحمد" in text


def test_a_long_list_is_laid_out_in_pieces_numbered_on_with_every_name_once_in_order(
        statement, monkeypatch):
    monkeypatch.setattr(handover, "CHUNK", 100)
    Signature.objects.bulk_create([
        Signature(statement=statement, kind="individual", name=f"Person {n:04d}",
                  email=f"p{n}@example.org", sort_name=f"person {n:04d}",
                  status=Signature.Status.VISIBLE, confirmed_at=timezone.now())
        for n in range(1200)])
    reconcile_counts([statement])
    output = io.BytesIO()
    # Pieces of 300 names laid out by two worker processes at once.
    pages = pdf.write_pdf(handover.handover(statement), output, names_per_document=300,
                          workers=2)
    reader = PdfReader(io.BytesIO(output.getvalue()))
    assert len(reader.pages) == pages >= 4
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, 1):
        assert f"Page {number} of {pages}" in text
        assert text.count("Page ") == 1  # one footer per page, no number left from a piece
    joined = "\n".join(texts)
    found = re.findall(r"Person (\d{4})", joined)
    assert found == [f"{n:04d}" for n in range(1200)]


def test_the_page_numbers_speak_the_visitors_language(statement):
    sign(statement, "Ana Lima", n=1)
    output = io.BytesIO()
    with translation.override("es"):
        pages = pdf.write_pdf(handover.handover(statement), output)
    assert f"Página 1 de {pages}" in pdf_text(output.getvalue())


def test_the_pdf_fetches_nothing_but_the_shipped_fonts():
    fetcher = pdf.shipped_fonts_only()
    for url in ("http://example.org/x.png", "file:///etc/passwd", "https://fonts.example/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    for path in pdf.font_files().values():
        assert fetcher.fetch(path.resolve().as_uri()).read()[:4] in (b"\x00\x01\x00\x00", b"OTTO")


def test_the_public_pdf_is_rendered_once_and_kept(anon, signed, monkeypatch, settings):
    signed.public_handover_list = True
    signed.save()
    renders = []
    real = pdf.write_pdf
    monkeypatch.setattr(pdf, "write_pdf", lambda *a, **k: renders.append(1) or real(*a, **k))
    first = anon.get(PDF)
    assert first.status_code == 200
    b"".join(first.streaming_content)
    sign(signed, "Another Signer", n=30)  # the list changed: the public gets the kept one
    b"".join(anon.get(PDF).streaming_content)
    assert len(renders) == 1
    # Kept under the data directory, never among the media served to anyone.
    [kept] = list(pdf.pdf_dir().glob("*.pdf"))
    assert not kept.resolve().is_relative_to(settings.MEDIA_ROOT.resolve())


def test_public_requests_are_rate_limited(anon, signed, frozen_limit_clock):
    signed.public_handover_list = True
    signed.save()
    statuses = [anon.get(PRINT).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429


def test_the_pdf_speaks_the_visitors_language(anon, signed):
    signed.public_handover_list = True
    signed.save()
    english = pdf_text(b"".join(anon.get(PDF).streaming_content))
    spanish = pdf_text(b"".join(anon.get("/es/handover/water-is-life/pdf/").streaming_content))
    assert "People" in english and "Personas" not in english
    assert "Personas" in spanish and "People" not in spanish
    assert "Ana Lima" in spanish
