"""The coalition's own site: name, tagline, logo, accent colour, footer and contact address,
set by an editor in the admin, shown on every page (cached ones included), in the admin and in
mails; the defaults keep today's look; bad input is refused and changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Group, User
from django.db import models
from django.test import Client
from PIL import Image

from core import colours, site
from core.models import AuditEntry, SiteSettings
from core.roles import EDITOR, MODERATOR
from pages import store as pagecache
from statements.models import Statement
from tests.conftest import make_statement
from tests.performance.conftest import wsgi_request

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/core/sitesettings/add/"
CHANGE_URL = "/admin/core/sitesettings/1/change/"
FIELDS = {"name": "Coalición Río Vivo", "tagline": "Communities for the river",
          "accent": "#1d4e89", "footer_text": "A coalition of 40 organisations since 2019.",
          "contact_email": "press@riovivo.example"}


def staff_client(username: str, role: str) -> Client:
    user = User.objects.create_user(username, password="not-used-here", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor_client() -> Client:
    return staff_client("edna", EDITOR)


def save_settings(client: Client, **changes: object):  # noqa: ANN201
    url = CHANGE_URL if SiteSettings.objects.exists() else ADD_URL
    return client.post(url, {**FIELDS, **changes})


def png(width: int = 400, height: int = 200) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#1d4e89").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "logo.png"
    return buffer


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match is not None
    return match.group(1)


def test_without_settings_the_site_looks_as_it_always_has(anon):
    html = anon.get("/en/").content.decode()
    assert title_of(html).endswith("· undersigned")
    assert '<p class="site-name"><a href="/en/">undersigned</a></p>' in html
    assert "/theme/" not in html and "mailto:" not in html
    assert "Published with undersigned" in html


# Committed, as on a running site: only a commit tells the page cache that a page changed.
@pytest.mark.django_db(transaction=True)
def test_an_editor_names_the_site_and_every_page_cached_or_not_shows_it(editor_client):
    statement = make_statement(slug="viral", title="Original title")
    for path in ("/en/", "/en/s/viral/"):
        assert b"Original title" in wsgi_request(path).body
    # Behind the cache's back (Django's own update: the statements' announces the change): a
    # page still served from the cache keeps the old title.
    models.QuerySet.update(Statement.objects.filter(pk=statement.pk), title="Changed title")
    pagecache.clear_local()
    assert b"Original title" in wsgi_request("/en/s/viral/").body

    response = save_settings(editor_client)
    assert response.status_code == 302, response.content.decode()[:3000]

    for path in ("/en/", "/en/s/viral/", "/es/s/viral/"):
        html = wsgi_request(path).body.decode()
        assert "Coalición Río Vivo" in title_of(html) and "undersigned" not in title_of(html)
        assert ">Coalición Río Vivo</a></p>" in html
        assert '<p class="tagline">Communities for the river</p>' in html
        assert "A coalition of 40 organisations since 2019." in html
        assert '<a href="mailto:press@riovivo.example">' in html
        assert '<link rel="stylesheet" href="/theme/1d4e89.css">' in html
    assert b"Changed title" in wsgi_request("/en/s/viral/").body  # rendered anew


def test_the_accent_colour_reaches_the_stylesheet(editor_client, anon):
    save_settings(editor_client)
    response = anon.get("/theme/1d4e89.css")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "--accent: #1d4e89;" in css and "--accent-dark: #" in css
    assert "immutable" in response["Cache-Control"]
    assert anon.get("/theme/zzzzzz.css").status_code == 404


@pytest.mark.parametrize(("accent", "message"), [
    ("#ffcc00", "too light"),   # yellow: white text on it is unreadable
    ("#8a8a8a", "too light"),   # mid grey: 3.4 to 1
    ("red", "six hexadecimal digits"),
    ("#12345", "six hexadecimal digits"),
    ("#1d4e89; } body { display: none", "at most 7 characters"),
])
def test_a_colour_that_would_fail_contrast_or_is_not_a_colour_is_refused(editor_client, anon,
                                                                          accent, message):
    response = save_settings(editor_client, accent=accent)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SiteSettings.objects.exists()
    assert "/theme/" not in anon.get("/en/").content.decode()


def test_the_contrast_rule_is_wcag_aa():
    assert round(colours.contrast("#8a1c1c", "#ffffff"), 1) >= 4.5  # the default passes
    assert round(colours.contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest AA grey
    with pytest.raises(Exception, match="too light"):
        colours.check_accent("#777777")


def test_the_logo_is_checked_reencoded_and_shown(editor_client, anon, settings):
    response = save_settings(editor_client, logo_upload=png(800, 400))
    assert response.status_code == 302
    record = SiteSettings.objects.get()
    assert record.logo.endswith(".webp") and (record.logo_width, record.logo_height) == (192, 96)
    html = anon.get("/en/").content.decode()
    assert (f'<img src="/media/{record.logo}" alt="" width="192" height="96">Coalición Río Vivo'
            in html)
    assert anon.get(f"/media/{record.logo}").status_code == 200

    response = save_settings(editor_client, remove_logo="on")
    assert SiteSettings.objects.get().logo == ""
    assert "<img" not in anon.get("/en/").content.decode().split("</header>")[0]


def test_a_file_that_is_not_an_image_is_refused_as_logo(editor_client):
    upload = io.BytesIO(b"<svg onload=alert(1)>")
    upload.name = "logo.png"
    response = save_settings(editor_client, logo_upload=upload)
    assert response.status_code == 200
    assert "not an image we can read" in response.content.decode()
    assert not SiteSettings.objects.exists()


def test_a_change_is_in_the_audit_log(editor_client):
    save_settings(editor_client)
    save_settings(editor_client, tagline="New line")
    entries = AuditEntry.objects.filter(action="site.settings.change").order_by("id")
    assert [e.actor_name for e in entries] == ["edna", "edna"]
    assert entries.last().detail == {"changed": ["tagline"]}


def test_there_is_one_record_and_nobody_deletes_it(editor_client):
    assert editor_client.get("/admin/core/sitesettings/").url == ADD_URL
    save_settings(editor_client)
    assert editor_client.get("/admin/core/sitesettings/").url == CHANGE_URL
    assert editor_client.get(ADD_URL).status_code == 403
    assert editor_client.post("/admin/core/sitesettings/1/delete/", {"post": "yes"}
                              ).status_code == 403
    assert SiteSettings.objects.count() == 1


def test_a_moderator_cannot_change_the_site(anon):
    moderator = staff_client("mo", MODERATOR)
    assert moderator.post(ADD_URL, FIELDS).status_code == 403
    assert not SiteSettings.objects.exists()


def test_the_admin_carries_the_site_name(editor_client):
    html = editor_client.get("/admin/").content.decode()
    assert "Django" not in html and "undersigned" in title_of(html)
    save_settings(editor_client)
    html = editor_client.get("/admin/").content.decode()
    assert "Coalición Río Vivo" in title_of(html)
    assert '<a href="/admin/">Coalición Río Vivo</a>' in html


def test_the_privacy_page_gives_the_contact_address(editor_client, anon):
    assert "mailto:" not in anon.get("/en/privacy/").content.decode()
    save_settings(editor_client)
    html = anon.get("/es/privacy/").content.decode()
    assert 'id="contact"' in html and "Coalición Río Vivo" in html
    assert '<a href="mailto:press@riovivo.example">press@riovivo.example</a>' in html


@pytest.mark.django_db(transaction=True)  # the task worker commits and closes its connection
def test_mails_carry_the_site_name_in_subject_and_sender(editor_client, anon, mailbox, tasks):
    from core.mail import queue_mail

    save_settings(editor_client)
    queue_mail("ana@example.org", "privacy/mail/data_rights.txt",
               {"url": "http://127.0.0.1:8000/x"}, language="es", data_rights=False)
    tasks()
    [mail] = mailbox.to("ana@example.org")
    from email.header import decode_header, make_header
    assert str(make_header(decode_header(mail["Subject"]))) == "Sus datos en Coalición Río Vivo"
    assert str(make_header(decode_header(mail["From"]))) == "Coalición Río Vivo <noreply@localhost>"


def test_reading_the_settings_costs_no_query_once_kept(django_assert_num_queries):
    SiteSettings.objects.create(pk=1, name="Kept")
    site.site_settings_changed()
    assert site.current().name == "Kept"
    with django_assert_num_queries(0):
        for _ in range(100):
            assert site.current().name == "Kept"
