"""``undersigned import-statement FILE.md``: a round trip of a real statement, idempotence, and
bad files that are refused with a clear message and leave nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from signatures.models import Signature
from statements.models import (
    Category,
    Organisation,
    Revision,
    Statement,
    StatementImage,
    Translation,
)
from tests.statements.conftest import media_files, png_bytes

pytestmark = pytest.mark.django_db

SPANISH = """
---
title: Declaración por el agua del Río Ñuble
slug: agua-nuble
language: es
category: Opinión
date: 2026-03-08
summary: Las comunidades del valle exigen que el agua siga siendo un bien común.
issued_by:
  - Asociación Ñandú
  - Colectivo São João
  - Łódź Solidarity Group
signed_on:
  - Sindicato de Pescadores Artesanales
  - Frauen für Wasser e.V.
featured_image:
  file: img/rio.png
  alt: El río al amanecer, con el puente de piedra al fondo
featured_image_credit: El Búho
status: published
signature_moderation: all
comment_moderation: closed
translations:
  - declaracion.en.md
  - declaracion.ar.md
---
# Nuestra exigencia

El agua del valle **no se vende**. Lo decimos juntas: Ñuñoa, Chillán y Pinto.

> El agua es vida, y la vida no se privatiza.

![Pescadoras reparando redes en la orilla](img/redes.png "Pescadoras en Cobquecura. Credit: Nicolás Ñanco")

| Comuna | Firmas |
| --- | ---: |
| Chillán | 1200 |

{lang=en} Water is life!
"""

ENGLISH = """
---
language: en
kind: official
title: Statement for the water of the Ñuble River
summary: The valley's communities demand that water remain a common good.
---
# Our demand

The valley's water **is not for sale**.

> Water is life, and life is not for privatising.

![Fishers mending nets on the shore](img/redes.png "Fishers in Cobquecura. Credit: Nicolás Ñanco")
"""

ARABIC = """
---
language: ar
kind: community
title: بيان من أجل مياه نهر نيوبلي
summary: تطالب مجتمعات الوادي بأن تبقى المياه ملكًا مشتركًا.
---
مياه الوادي **ليست للبيع**.

> الماء حياة، والحياة لا تُخصخص.
"""


@pytest.fixture
def statement_file(write_file):
    write_file("img/rio.png", png_bytes(2000, 1000, "#1a4fd6"))
    write_file("img/redes.png", png_bytes(1000, 700))
    write_file("declaracion.en.md", ENGLISH)
    write_file("declaracion.ar.md", ARABIC)
    return write_file("declaracion.md", SPANISH)


def run_import(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import-statement", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in
            (Statement, Translation, Organisation, Category, StatementImage, Revision, Signature)}


def test_round_trip_of_a_spanish_statement_with_translations(statement_file, anon, settings):
    out, _err = run_import(statement_file)

    assert out.strip() == f"{settings.BASE_URL}/es/s/agua-nuble/"
    statement = Statement.objects.get(slug="agua-nuble")
    assert statement.title == "Declaración por el agua del Río Ñuble"
    assert statement.status == Statement.Status.PUBLISHED
    assert statement.published_at.date().isoformat() == "2026-03-08"
    assert statement.category.name == "Opinión"
    assert statement.signature_moderation == "all" and statement.comment_moderation == "closed"
    assert [o.name for o in statement.ordered_issuers()] == [
        "Asociación Ñandú", "Colectivo São João", "Łódź Solidarity Group"]

    page = anon.get("/es/s/agua-nuble/").content.decode()
    assert '<html lang="es"' in page
    assert "<h1 id=\"statement-title\">Declaración por el agua del Río Ñuble</h1>" in page
    assert page.index("Asociación Ñandú") < page.index("Colectivo São João") < page.index("Łódź")
    assert '<blockquote class="pull-quote">' in page
    assert "El agua es vida, y la vida no se privatiza." in page
    assert "<h2>Nuestra exigencia</h2>" in page
    assert '<p lang="en" dir="ltr">Water is life!</p>' in page
    # Images: imported next to the file, resized, credited.
    assert 'alt="Pescadoras reparando redes en la orilla"' in page
    assert "srcset=\"/media/images/redes-" in page and " 480w, " in page
    assert "Nicolás Ñanco" in page
    assert 'alt="El río al amanecer, con el puente de piedra al fondo"' in page
    assert "El Búho" in page
    # signed_on: organisations recorded by the editors, on the statement's one list.
    signed = page[page.index('id="signed-on-heading"'):]
    assert "Sindicato de Pescadores Artesanales" in signed and "Frauen für Wasser e.V." in signed
    recorded = Signature.objects.filter(statement=statement)
    assert {s.source for s in recorded} == {Signature.Source.EDITOR}
    assert {s.kind for s in recorded} == {Signature.Kind.ORGANISATION}

    english = anon.get("/en/s/agua-nuble/").content.decode()
    assert "Statement for the water of the Ñuble River" in english
    assert 'alt="Fishers mending nets on the shore"' in english

    arabic = anon.get("/es/s/agua-nuble/ar/").content.decode()
    assert '<article class="statement" lang="ar" dir="rtl"' in arabic
    assert "بيان من أجل مياه نهر نيوبلي" in arabic
    assert "الماء حياة، والحياة لا تُخصخص." in arabic
    assert Translation.objects.get(language="ar").kind == "community"


def test_images_are_stored_as_resized_webp_without_the_originals(statement_file, settings):
    run_import(statement_file)
    image = StatementImage.objects.get(source_name="rio.png")
    assert [r["width"] for r in image.renditions] == [480, 960, 1600, 2000]
    files = media_files(settings)
    assert files and all(f.suffix == ".webp" for f in files)
    assert len(files) == 4 + 3  # rio: 480/960/1600/2000, redes: 480/960/1000
    statement = Statement.objects.get()
    assert statement.featured_image == image and image.credit == "El Búho"


def test_reimporting_the_same_file_changes_nothing(statement_file, settings):
    run_import(statement_file)
    before, files = counts(), media_files(settings)

    out, _ = run_import(statement_file)

    assert counts() == before
    assert media_files(settings) == files  # same image, not stored again
    assert out.strip().endswith("/es/s/agua-nuble/")


def test_reimporting_an_edited_file_updates_and_keeps_a_revision(statement_file):
    run_import(statement_file)
    statement_file.write_text(
        statement_file.read_text().replace("**no se vende**", "**no se vende ni se regala**")
        .replace("  - Colectivo São João\n", "").replace(
            "signed_on:\n", "signed_on:\n  - Radio Comunitaria Ñuble\n"), encoding="utf-8")

    run_import(statement_file)

    statement = Statement.objects.get()
    assert "no se vende ni se regala" in statement.body_html
    assert [o.name for o in statement.ordered_issuers()] == ["Asociación Ñandú",
                                                             "Łódź Solidarity Group"]
    assert Statement.objects.count() == 1
    revisions = Revision.objects.filter(statement=statement, language="es").order_by("number")
    assert [r.number for r in revisions] == [1, 2]
    assert "ni se regala" in revisions[1].body and "ni se regala" not in revisions[0].body
    # Only the unchanged translations keep their single revision.
    assert Revision.objects.filter(language="en").count() == 1
    assert statement.signatures.count() == 3


def test_a_file_without_status_is_imported_as_a_private_draft(write_file, anon):
    path = write_file("draft.md", """
        ---
        title: Work in progress
        ---
        Not ready.
        """)
    out, err = run_import(path)
    assert out.strip().endswith("/en/s/work-in-progress/")
    assert "draft" in err
    assert anon.get("/en/s/work-in-progress/").status_code == 404


# --- bad input ------------------------------------------------------------------------------

BAD_FILES = {
    "broken front matter": ("---\ntitle: [unclosed\nslug: x\n---\nText\n", "not valid YAML"),
    "front matter never closed": ("---\ntitle: Open\n\nText without the closing line\n",
                                  "no front matter"),
    "no front matter": ("# Just Markdown\n\nNo fields at all.\n", "no front matter"),
    "front matter is a list": ("---\n- title\n- slug\n---\nText\n", "key: value"),
    "unknown key": ("---\ntitle: A\nauthor: Someone\ntags: [x]\n---\nText\n",
                    "unknown keys author, tags"),
    "missing title": ("---\nslug: no-title\nstatus: published\n---\nText\n", "'title' is missing"),
    "empty title": ("---\ntitle: ''\n---\nText\n", "'title' is missing"),
    "title given twice": ("---\ntitle: A\ntitle: B\n---\nText\n", "given twice"),
    "slug given twice": ("---\ntitle: A\nslug: a\nslug: b\n---\nText\n", "given twice"),
    "bad status": ("---\ntitle: A\nstatus: live\n---\nText\n",
                   "'status' is “live”; it must be one of: draft, published, closed, archived"),
    "bad signature moderation": ("---\ntitle: A\nsignature_moderation: some\n---\nText\n",
                                 "'signature_moderation'"),
    "bad comment moderation": ("---\ntitle: A\ncomment_moderation: never\n---\nText\n",
                               "none, first, all, closed"),
    "bad language": ("---\ntitle: A\nlanguage: klingon\n---\nText\n", "not a language code"),
    "bad slug": ("---\ntitle: A\nslug: has spaces/and slashes\n---\nText\n", "'slug'"),
    "bad date": ("---\ntitle: A\ndate: next Tuesday\n---\nText\n", "2026-03-08"),
    "issued_by not a list": ("---\ntitle: A\nissued_by: {a: 1}\n---\nText\n", "list of organisation"),
    "organisation twice": ("---\ntitle: A\nissued_by: [Río Vivo, río vivo]\n---\nText\n",
                           "more than once"),
    "missing image": ("---\ntitle: A\n---\n![A photo](nowhere.jpg)\n", "was not found"),
    "image without description": ("---\ntitle: A\n---\n![](pic.png)\n", "no description"),
    "missing translation file": ("---\ntitle: A\ntranslations: [a.es.md]\n---\nText\n",
                                 "the translation file “a.es.md” was not found"),
    "credit without image": ("---\ntitle: A\nfeatured_image_credit: Ana\n---\nText\n",
                             "'featured_image' is not"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_with_a_clear_message_and_nothing_imported(case, write_file,
                                                                          settings):
    content, message = BAD_FILES[case]
    write_file("pic.png", png_bytes(600, 400))
    path = write_file("bad.md", content)
    before = counts()

    with pytest.raises(CommandError) as raised:
        run_import(path)

    assert message in str(raised.value)
    assert "Nothing was imported" in str(raised.value)
    assert str(path) in str(raised.value)
    assert counts() == before
    assert media_files(settings) == []


def test_a_file_that_is_not_utf8_is_refused(write_file):
    path = write_file("latin1.md", "---\ntitle: Declaración\n---\nÑ\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run_import(path)
    assert Statement.objects.count() == 0


def test_an_image_that_is_not_an_image_is_refused(write_file, settings):
    write_file("photo.jpg", b"<?php echo 'not an image'; ?>")
    path = write_file("s.md", "---\ntitle: A\n---\n![A photo](photo.jpg)\n")
    with pytest.raises(CommandError, match="not an image we can read"):
        run_import(path)
    assert StatementImage.objects.count() == 0 and media_files(settings) == []


def test_bad_translation_file_imports_nothing(write_file, settings):
    write_file("pic.png", png_bytes(600, 400))
    write_file("s.es.md", "---\nlanguage: es\ntitle: Hola\nkind: machine\n---\nTexto\n")
    path = write_file("s.md", "---\ntitle: Hello\ntranslations: [s.es.md]\n---\n![A](pic.png)\n")
    with pytest.raises(CommandError, match="'kind' is “machine”"):
        run_import(path)
    assert counts() == dict.fromkeys(counts(), 0) | {"Revision": 0}
    assert media_files(settings) == []


@pytest.mark.parametrize("translation, message", [
    ("---\nlanguage: en\ntitle: Again\n---\nText\n", "language 'en' is already given by s.md"),
    ("---\nlanguage: es\ntitle: Hola\nslug: otro\n---\nTexto\n", "unknown key slug"),
    ("---\ntitle: Hola\n---\nTexto\n", "'language' is missing"),
    ("---\nlanguage: es\n---\nTexto\n", "'title' is missing"),
])
def test_translation_files_are_checked(write_file, translation, message):
    write_file("s.es.md", translation)
    path = write_file("s.md", "---\ntitle: Hello\nlanguage: en\ntranslations: [s.es.md]\n---\nHi\n")
    with pytest.raises(CommandError) as raised:
        run_import(path)
    assert message in str(raised.value)
    assert Statement.objects.count() == 0


def test_two_translations_in_one_language_are_refused(write_file):
    write_file("a.md", "---\nlanguage: es\ntitle: Uno\n---\nUno\n")
    write_file("b.md", "---\nlanguage: es\ntitle: Dos\n---\nDos\n")
    path = write_file("s.md", "---\ntitle: Hello\ntranslations: [a.md, b.md]\n---\nHi\n")
    with pytest.raises(CommandError, match="language 'es' is already given by a.md"):
        run_import(path)
    assert Statement.objects.count() == 0


def test_a_slug_taken_by_another_file_is_refused(write_file, anon):
    first = write_file("first.md", "---\ntitle: First\nslug: shared\nstatus: published\n---\nOne\n")
    second = write_file("second.md", "---\ntitle: Second\nslug: shared\nstatus: published\n---\nTwo\n")
    run_import(first)

    with pytest.raises(CommandError) as raised:
        run_import(second)

    assert "the slug 'shared' is already used by the statement “First” (imported from first.md)" \
        in str(raised.value)
    assert "--replace" in str(raised.value)
    statement = Statement.objects.get()
    assert statement.title == "First" and "One" in statement.body_html


def test_a_slug_taken_by_a_statement_made_in_the_admin_is_refused(write_file):
    from tests.conftest import make_statement

    make_statement("water-is-life", title="Made by hand")
    path = write_file("s.md", "---\ntitle: Imported\nslug: water-is-life\n---\nText\n")
    with pytest.raises(CommandError, match="created in the admin"):
        run_import(path)
    assert Statement.objects.get().title == "Made by hand"


def test_replace_takes_over_a_slug_on_purpose(write_file):
    from tests.conftest import make_statement

    make_statement("water-is-life", title="Made by hand")
    path = write_file("s.md", "---\ntitle: Imported\nslug: water-is-life\n---\nText\n")
    run_import(path, "--replace")
    assert Statement.objects.get().title == "Imported"


def test_a_failure_while_writing_rolls_everything_back(statement_file, settings, monkeypatch):
    import ops.importing

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # The last write of an import: recording the organisations the file lists as signatories.
    monkeypatch.setattr(ops.importing, "do_record_organisation", broken)
    with pytest.raises(RuntimeError):
        run_import(statement_file)
    assert counts() == dict.fromkeys(counts(), 0)
    assert media_files(settings) == []  # images written inside the transaction are removed


def test_external_images_are_not_downloaded_and_the_editor_is_warned(write_file, anon):
    path = write_file("s.md", """
        ---
        title: With a remote picture
        status: published
        ---
        ![A remote photo](https://images.example.com/photo.jpg)
        """)
    out, err = run_import(path)
    assert "images.example.com/photo.jpg" in err and "not shown" in err
    page = anon.get("/en/s/with-a-remote-picture/").content.decode()
    assert "images.example.com" not in page and "[A remote photo]" in page


def test_exit_code_and_stderr_from_the_console(tmp_path):
    """What an editor at a terminal sees: the reason on stderr and a failing exit status."""
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: A\nauthor: Someone\n---\nText\n", encoding="utf-8")
    env = {**os.environ, "UNDERSIGNED_DATA_DIR": str(tmp_path / "data"),
           "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-m", "undersigned.cli", "import-statement", str(path)],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode != 0
    assert "unknown key author" in result.stderr
    assert result.stdout == ""


def test_image_files_with_accents_and_spaces_in_their_names(write_file, anon):
    write_file("fotos/río al alba.png", png_bytes(700, 400))
    path = write_file("s.md", """
        ---
        title: Río
        slug: rio
        status: published
        ---
        ![El río al alba](<fotos/río al alba.png> "Al alba. Credit: Íñigo Ñúñez")
        """)
    run_import(path)
    image = StatementImage.objects.get()
    assert image.source_name == "río al alba.png" and image.credit == "Íñigo Ñúñez"
    html = anon.get("/en/s/rio/").content.decode()
    assert "<figure>" in html and 'alt="El río al alba"' in html and "missing-image" not in html


def test_changing_the_original_language_to_a_translated_one_is_refused(write_file):
    write_file("s.es.md", "---\nlanguage: es\ntitle: Hola\n---\nTexto\n")
    path = write_file("s.md", "---\ntitle: Hello\nslug: hello\ntranslations: [s.es.md]\n---\nHi\n")
    run_import(path)
    path.write_text("---\ntitle: Hola\nslug: hello\nlanguage: es\n---\nTexto\n", encoding="utf-8")

    with pytest.raises(CommandError, match="already has a translation in 'es'"):
        run_import(path)

    statement = Statement.objects.get()
    assert (statement.language, statement.title) == ("en", "Hello")


OUTSIDE = {
    "image": ("---\ntitle: A\n---\n![A photo]({target})\n", "the image"),
    "featured image": ("---\ntitle: A\nfeatured_image:\n  file: {target}\n  alt: A photo\n---\nText\n",
                       "featured_image"),
    "translation": ("---\ntitle: A\nlanguage: en\ntranslations: [{target}]\n---\nText\n",
                    "the translation file"),
    "image of a translation": ("---\ntitle: A\nlanguage: en\ntranslations: [s.es.md]\n---\nText\n",
                               "the image"),
}


# Images already refuse absolute paths (with their own message); a translation did not.
@pytest.mark.parametrize("what, how", [
    *((what, how) for what in OUTSIDE for how in ("parent folder", "symlink")),
    ("translation", "absolute path"),
])
def test_files_outside_the_import_files_folder_are_refused(what, how, write_file, tmp_path,
                                                           settings):
    """An import file names its images and translations relative to its folder; ``../``, an
    absolute path or a symlink must not reach the rest of the disk."""
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "photo.png").write_bytes(png_bytes(600, 400))
    (outside / "s.es.md").write_text("---\nlanguage: es\ntitle: Secreto\n---\nSecreto\n")
    filename = "s.es.md" if what == "translation" else "photo.png"
    folder = write_file("placeholder.txt", "").parent
    if how == "parent folder":
        target = f"../private/{filename}"
    elif how == "absolute path":
        target = str(outside / filename)
    else:
        (folder / "linked").symlink_to(outside, target_is_directory=True)
        target = f"linked/{filename}"
    content, where = OUTSIDE[what]
    if what == "image of a translation":
        write_file("s.es.md", f"---\nlanguage: es\ntitle: Hola\n---\n![Una foto]({target})\n")
    path = write_file("s.md", content.format(target=target))
    before = counts()

    with pytest.raises(CommandError) as raised:
        run_import(path)

    message = str(raised.value)
    assert where in message and "outside the folder" in message
    assert "Nothing was imported" in message
    assert "Secreto" not in message
    assert counts() == before
    assert media_files(settings) == []


def test_images_and_translations_in_subfolders_are_imported(write_file, settings):
    write_file("img/photo.png", png_bytes(600, 400))
    write_file("es/s.es.md", "---\nlanguage: es\ntitle: Hola\n---\n![Una foto](../img/photo.png)\n")
    path = write_file("s.md", "---\ntitle: A\nlanguage: en\ntranslations: [es/s.es.md]\n---\n"
                              "![A photo](img/photo.png)\n")
    run_import(path)
    assert Translation.objects.get().title == "Hola"
    assert StatementImage.objects.count() == 1


def test_an_image_without_description_is_named_in_the_example_to_write(write_file):
    """The message shows the line to write with the editor's own file name, not a placeholder."""
    write_file("pic.png", png_bytes(600, 400))
    path = write_file("bad.md", "---\ntitle: A\n---\n![](pic.png)\n")
    with pytest.raises(CommandError) as raised:
        run_import(path)
    assert "![what the image shows](pic.png)" in str(raised.value)
    assert "{src}" not in str(raised.value)
