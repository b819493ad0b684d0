import pytest

from statements.models import Statement
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db


def test_home_lists_published_statements_newest_first(anon):
    older = make_statement("older", title="Older statement")
    newer = make_statement("newer", title="Newer statement")
    Statement.objects.filter(pk=older.pk).update(published_at=newer.published_at.replace(year=2020))
    make_statement("secret-draft", title="Secret draft", status=Statement.Status.DRAFT)
    html = anon.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.index("Newer statement") < html.index("Older statement")
    assert "Secret draft" not in html
    assert 'href="/en/s/newer/"' in html


def test_draft_is_404_for_the_public(anon):
    make_statement("draft", status=Statement.Status.DRAFT)
    assert anon.get("/en/s/draft/").status_code == 404
