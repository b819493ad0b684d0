"""``undersigned demo [--once]``: content to look at right after ``make run``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils.html import escape

from signatures.models import Signature
from statements.models import Revision, Statement, StatementImage, Translation

pytestmark = pytest.mark.django_db


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_statement_shows_every_feature(anon, settings):
    out = demo("--once")
    statement = Statement.objects.get()
    assert f"{settings.BASE_URL}/en/s/{statement.slug}/" in out
    assert statement.status == Statement.Status.PUBLISHED
    assert len(statement.ordered_issuers()) == 2
    assert statement.category is not None
    assert {(t.language, t.kind) for t in Translation.objects.all()} == {
        ("es", "official"), ("ar", "community")}
    assert statement.featured_image is not None and statement.featured_image.credit

    html = anon.get(statement.get_absolute_url()).content.decode()
    assert '<blockquote class="pull-quote">' in html
    assert "<figure>" in html and 'srcset="/media/images/' in html
    assert '<small class="credit">Credit: ' in html
    assert '<p lang="es" dir="ltr">' in html
    assert "<table>" in html
    signed = html[html.index("Signed on:"):]
    names = Signature.objects.filter(statement=statement, source=Signature.Source.EDITOR)
    assert names.count() >= 2 and all(escape(s.organisation_name) in signed for s in names)

    assert anon.get("/").status_code == 200
    assert statement.title in anon.get("/en/").content.decode()
    assert 'dir="rtl"' in anon.get(f"/en/s/{statement.slug}/ar/").content.decode()
    spanish = anon.get(f"/es/s/{statement.slug}/").content.decode()
    assert "Que la biblioteca no apague sus luces" in spanish and "Crédito: " in spanish
    media = anon.get(statement.featured_image.resolved().src)
    assert media.status_code == 200 and media["Content-Type"] == "image/webp"


def test_demo_once_is_idempotent(settings):
    demo("--once")
    counts = (Statement.objects.count(), Translation.objects.count(),
              StatementImage.objects.count(), Signature.objects.count(), Revision.objects.count())
    files = sorted(p.name for p in (settings.MEDIA_ROOT / "images").iterdir())

    out = demo("--once")

    assert "already" in out
    assert counts == (Statement.objects.count(), Translation.objects.count(),
                      StatementImage.objects.count(), Signature.objects.count(),
                      Revision.objects.count())
    assert sorted(p.name for p in (settings.MEDIA_ROOT / "images").iterdir()) == files


def test_demo_without_once_reloads_without_duplicating(settings):
    demo()
    statement = Statement.objects.get()
    Statement.objects.filter(pk=statement.pk).update(title="Edited by someone")
    demo()
    assert Statement.objects.count() == 1
    assert Statement.objects.get().title == "Keep the library lights on"
    assert StatementImage.objects.count() == 2
