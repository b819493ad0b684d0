"""The editors' workflow in the admin: create with a translation and an image, preview the draft,
publish, edit, close, archive — with a revision of every published change, saying who and when.
Moderators can read but never publish."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry
from statements.models import Organisation, Revision, Statement, StatementImage, Translation
from tests.conftest import make_statement
from tests.statements.conftest import png_bytes

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/statements/statement/add/"
LIST_URL = "/admin/statements/statement/"


class _FormReader(HTMLParser):
    """The values a browser would submit from the admin's main form (no JavaScript)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and "__prefix__" not in name:
            kind = a.get("type", "text")
            if kind in ("submit", "file", "button", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name and "__prefix__" not in name:
            self._select, self._select_value = name, None
        elif tag == "option" and self._select:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
                if "selected" in a:
                    self.data[self._select] = self._select_value
            self.data.setdefault(self._select, self._select_value or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n") if not self.data[self._textarea] \
                else data


def form_values(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    reader.data.pop("action", None)
    return reader.data


def add_statement(client, organisations: list[Organisation], **overrides) -> Statement:
    data = form_values(client, ADD_URL)
    data.update({
        "title": "Clean air for Villa Esperanza", "slug": "clean-air", "language": "en",
        "summary": "We ask the council to move the incinerator.",
        "body": "We breathe what they burn.\n\n> Our children are not a cost.\n\n"
                '![Children walking to school past the chimney](school-run.png "The school run. '
                'Credit: Ana Ñúñez")',
        "status": "draft", "signature_moderation": "organisations", "comment_moderation": "first",
        "issuer_links-TOTAL_FORMS": str(len(organisations)),
        "translations-TOTAL_FORMS": "1",
        "translations-0-language": "es", "translations-0-kind": "official",
        "translations-0-title": "Aire limpio para Villa Esperanza",
        "translations-0-summary": "Pedimos al ayuntamiento que traslade la incineradora.",
        "translations-0-body": "Respiramos lo que queman.\n\n> Nuestros hijos no son un coste.",
        "images-TOTAL_FORMS": "1",
        "images-0-upload": SimpleUploadedFile("school-run.png", png_bytes(1800, 1200),
                                              content_type="image/png"),
        "images-0-alt": "Children walking to school past the chimney",
        "images-0-source_name": "",
        "images-0-caption": "", "images-0-credit": "Ana Ñúñez",
        "_save": "Save",
    })
    for index, organisation in enumerate(organisations):
        data[f"issuer_links-{index}-organisation"] = str(organisation.pk)
        data[f"issuer_links-{index}-position"] = str(index)
    data.update(overrides)
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Statement.objects.get(slug=data["slug"])


def change(client, statement: Statement, **fields) -> None:
    url = f"/admin/statements/statement/{statement.pk}/change/"
    data = form_values(client, url)
    data.update(fields, _save="Save")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def run_action(client, action: str, *statements: Statement):
    return client.post(LIST_URL, {"action": action, "_selected_action": [s.pk for s in statements],
                                  "index": "0"}, follow=True)


@pytest.fixture
def organisations(db) -> list[Organisation]:
    return [Organisation.objects.create(name="Vecinos de Villa Esperanza", slug="vecinos"),
            Organisation.objects.create(name="Mothers for Clean Air", slug="mothers")]


def test_editor_creates_a_draft_with_translation_and_image(editor_client, organisations, anon,
                                                          editor):
    statement = add_statement(editor_client, organisations)

    assert statement.status == Statement.Status.DRAFT
    assert [o.name for o in statement.ordered_issuers()] == [
        "Vecinos de Villa Esperanza", "Mothers for Clean Air"]
    translation = Translation.objects.get(statement=statement)
    assert (translation.language, translation.kind) == ("es", "official")
    assert '<blockquote class="pull-quote">' in translation.body_html
    image = StatementImage.objects.get(statement=statement)
    assert image.source_name == "school-run.png"
    assert [r["width"] for r in image.renditions] == [480, 960, 1600, 1800]
    # The body refers to the uploaded image by its file name and shows it as a credited figure.
    assert "<figure>" in statement.body_html and "srcset=" in statement.body_html
    assert "Credit: Ana Ñúñez" in statement.body_html
    # A draft is no published text: no revision yet.
    assert not Revision.objects.filter(statement=statement).exists()
    assert AuditEntry.objects.filter(action="statement.create", actor=editor).exists()
    assert anon.get("/en/s/clean-air/").status_code == 404


def test_editor_previews_a_draft_and_the_public_cannot(editor_client, organisations, anon):
    statement = add_statement(editor_client, organisations)
    change_page = editor_client.get(f"/admin/statements/statement/{statement.pk}/change/")
    assert b'href="/en/s/clean-air/"' in change_page.content
    assert b"Preview the draft" in change_page.content

    preview = editor_client.get("/en/s/clean-air/")
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Preview: this statement is not public." in html
    assert "Clean air for Villa Esperanza" in html
    assert "private" in preview["Cache-Control"] and "no-store" in preview["Cache-Control"]
    assert editor_client.get("/es/s/clean-air/").status_code == 200

    for url in ("/en/s/clean-air/", "/es/s/clean-air/", "/en/s/clean-air/es/"):
        response = anon.get(url)
        assert response.status_code == 404
        assert b"Clean air" not in response.content and b"Aire limpio" not in response.content


def test_publish_close_archive_each_keep_the_page_and_record_who(editor_client, editor,
                                                                 organisations, anon):
    statement = add_statement(editor_client, organisations)

    response = run_action(editor_client, "publish", statement)
    assert b"1 statement updated." in response.content
    statement.refresh_from_db()
    assert statement.status == Statement.Status.PUBLISHED and statement.published_at
    revisions = Revision.objects.filter(statement=statement).order_by("language")
    assert [(r.language, r.number, r.created_by) for r in revisions] == [
        ("en", 1, editor), ("es", 1, editor)]
    assert revisions[0].created_at is not None
    page = anon.get("/en/s/clean-air/")
    assert page.status_code == 200 and b"Preview" not in page.content

    run_action(editor_client, "close", statement)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.CLOSED
    assert anon.get("/en/s/clean-air/").status_code == 200
    assert b"Signing closed" in anon.get("/en/").content

    run_action(editor_client, "archive", statement)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ARCHIVED
    assert anon.get("/en/s/clean-air/").status_code == 200
    assert b"Clean air" not in anon.get("/en/").content  # no longer listed
    assert list(AuditEntry.objects.filter(actor=editor, action__in=[
        "statement.published", "statement.closed", "statement.archived"])
        .order_by("id").values_list("action", flat=True)) == [
        "statement.published", "statement.closed", "statement.archived"]
    assert Revision.objects.filter(statement=statement).count() == 2  # no text changed


def test_each_published_edit_of_the_text_is_a_new_revision(editor_client, editor, organisations):
    statement = add_statement(editor_client, organisations)
    run_action(editor_client, "publish", statement)

    change(editor_client, statement, body="We breathe what they burn. Move it.")

    latest = Revision.objects.filter(statement=statement, language="en").order_by("-number")
    assert [r.number for r in latest] == [2, 1]
    assert latest[0].body == "We breathe what they burn. Move it." and latest[0].created_by == editor
    assert "Move it." in Statement.objects.get().body_html
    # Saving again without a change of text keeps no new revision.
    change(editor_client, statement)
    assert Revision.objects.filter(statement=statement, language="en").count() == 2


def test_publishing_with_the_status_field_also_keeps_a_revision(editor_client, editor,
                                                                organisations):
    statement = add_statement(editor_client, organisations)
    change(editor_client, statement, status="published")
    statement.refresh_from_db()
    assert statement.status == "published" and statement.published_at
    assert Revision.objects.filter(statement=statement, created_by=editor).count() == 2
    assert AuditEntry.objects.filter(action="statement.published", actor=editor).exists()


def test_editor_adds_a_translation_to_a_published_statement(editor_client, editor, anon):
    statement = make_statement("water", title="Water is life", body="Water is not for sale.")
    change(editor_client, statement, **{
        "translations-TOTAL_FORMS": "1", "translations-0-language": "ar",
        "translations-0-kind": "community", "translations-0-title": "الماء حياة",
        "translations-0-summary": "", "translations-0-body": "الماء ليس للبيع.",
    })
    revision = Revision.objects.get(statement=statement, language="ar")
    assert revision.created_by == editor and revision.number == 1
    page = anon.get("/en/s/water/ar/").content.decode()
    assert 'lang="ar" dir="rtl"' in page and "الماء ليس للبيع." in page
    assert "community translation" in page


def test_translation_with_an_unknown_language_code_is_refused(editor_client):
    statement = make_statement("water")
    url = f"/admin/statements/statement/{statement.pk}/change/"
    data = form_values(editor_client, url)
    data.update({"translations-TOTAL_FORMS": "1", "translations-0-language": "elvish",
                 "translations-0-kind": "official", "translations-0-title": "Nen",
                 "translations-0-summary": "", "translations-0-body": "", "_save": "Save"})
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "is not a language code we know" in response.content.decode()
    assert not Translation.objects.exists()


def test_an_upload_that_is_not_an_image_is_refused_next_to_the_field(editor_client,
                                                                      organisations):
    data_overrides = {"images-0-upload": SimpleUploadedFile("evil.png", b"<svg onload=alert(1)>",
                                                            content_type="image/png")}
    data = form_values(editor_client, ADD_URL)
    data.update({"title": "T", "slug": "t", "language": "en", "body": "", "status": "draft",
                 "signature_moderation": "organisations", "comment_moderation": "first",
                 "images-TOTAL_FORMS": "1", "images-0-alt": "x", **data_overrides})
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert not Statement.objects.exists() and not StatementImage.objects.exists()
    assert "Upload a valid image" in response.content.decode()


def test_moderator_can_read_but_not_publish(moderator_client, editor_client, organisations):
    statement = add_statement(editor_client, organisations)

    assert moderator_client.get(LIST_URL).status_code == 200
    page = moderator_client.get(LIST_URL).content.decode()
    assert 'value="publish"' not in page
    run_action(moderator_client, "publish", statement)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.DRAFT

    url = f"/admin/statements/statement/{statement.pk}/change/"
    response = moderator_client.post(url, {"title": "Hijacked", "status": "published"})
    assert response.status_code == 403
    statement.refresh_from_db()
    assert statement.status == Statement.Status.DRAFT and statement.title != "Hijacked"
    assert moderator_client.get(ADD_URL).status_code == 403
    assert not Revision.objects.exists()


def test_editor_without_publish_permission_cannot_change_the_status(editor, editor_client,
                                                                     organisations):
    from django.contrib.auth.models import Permission

    statement = add_statement(editor_client, organisations)
    editor.groups.clear()
    editor.user_permissions.set(Permission.objects.filter(
        content_type__app_label="statements", codename__in=[
            "view_statement", "change_statement", "view_translation", "add_translation",
            "change_translation", "view_statementimage", "add_statementimage",
            "change_statementimage", "view_revision", "view_statementissuer",
            "add_statementissuer", "change_statementissuer"]))
    url = f"/admin/statements/statement/{statement.pk}/change/"
    data = form_values(editor_client, url)
    assert "status" not in data  # shown read-only
    data.update(status="published", _save="Save")
    editor_client.post(url, data)
    run_action(editor_client, "publish", statement)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.DRAFT


def test_the_public_page_has_no_admin_link_or_draft_for_anonymous(anon):
    make_statement("draft-one", title="Unreleased", status=Statement.Status.DRAFT)
    assert anon.get("/admin/statements/statement/").status_code == 302  # to the login page
    assert b"Unreleased" not in anon.get("/en/").content


def test_role_groups_are_complete_after_the_first_migrate(editor, moderator):
    """The test database is made by one migrate, like a fresh install."""
    assert editor.has_perms(["statements.add_statement", "statements.change_statement",
                             "statements.publish", "statements.add_translation",
                             "statements.add_statementimage", "statements.view_revision"])
    assert not editor.has_perm("statements.change_revision")
    assert moderator.has_perm("statements.view_statement")
    assert not moderator.has_perm("statements.publish")
    assert not moderator.has_perm("statements.change_statement")


def test_an_image_without_a_description_is_refused_in_the_text(editor_client):
    statement = make_statement("water")
    url = f"/admin/statements/statement/{statement.pk}/change/"
    data = form_values(editor_client, url)
    data.update(body="Look:\n\n![](river.jpg)", _save="Save")
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "Describe every image for people who cannot see it" in response.content.decode()
    statement.refresh_from_db()
    assert statement.body == "We stand together."
