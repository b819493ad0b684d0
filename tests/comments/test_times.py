"""Times as a visitor reads them: in the visitor's language and the site's time zone
(``UNDERSIGNED_TIME_ZONE``), never a raw UTC stamp; machines still get ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import formats, timezone, translation

from comments import tokens
from comments.models import Comment
from tests.comments.conftest import page, post_ok
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db

WRITTEN = datetime(2026, 3, 8, 14, 5, tzinfo=UTC)  # 11:05 in Santiago (UTC-3 in March)


@pytest.fixture
def santiago(settings):
    settings.TIME_ZONE = "America/Santiago"


def test_comment_times_are_localised_in_the_site_time_zone(anon, open_statement, santiago):
    comment = post_ok(anon, open_statement)
    Comment.objects.filter(pk=comment.pk).update(created_at=WRITTEN)
    from statements.pages import statement_changed
    statement_changed(open_statement.pk)

    english = page(anon, open_statement)
    assert '<time datetime="2026-03-08T11:05:00-03:00">March 8, 2026, 11:05 a.m.</time>' in english
    assert "2026-03-08 14:05" not in english
    spanish = anon.get(f"/es/s/{open_statement.slug}/").content.decode()
    assert ('<time datetime="2026-03-08T11:05:00-03:00">8 de marzo de 2026 a las 11:05</time>'
            in spanish)


def test_the_edit_deadline_names_the_site_time_zone(anon, open_statement, santiago):
    comment = post_ok(anon, open_statement)
    html = anon.get(f"/en/comments/c/{comment.pk}/yours/?t={tokens.author_token(comment.pk)}"
                    ).content.decode()
    until = timezone.localtime(comment.created_at + timedelta(
        seconds=tokens.EDIT_WINDOW_SECONDS))
    # Spelled by the locale's own time format, which leaves out ":00" ("4 p.m."): a pattern of
    # our own failed whenever the deadline fell on the hour.
    with translation.override("en"):
        shown = formats.time_format(until, "TIME_FORMAT")
    assert f"until {shown} (America/Santiago)" in html and "UTC" not in html


def test_the_sign_on_deadline_names_the_site_time_zone(anon, santiago):
    late = make_statement("late", signing_deadline=WRITTEN)
    html = anon.get(f"/en/s/{late.slug}/").content.decode()
    assert "Signing closed at the deadline (March 8, 2026, 11:05 a.m. America/Santiago)" in html
    spanish = anon.get(f"/es/s/{late.slug}/").content.decode()
    assert "(8 de marzo de 2026 a las 11:05 America/Santiago)" in spanish
