"""The Spanish interface is complete, and the compiled catalogue matches its source."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"


def po_entries(po: Path = LOCALE / "django.po") -> list[dict]:
    """msgid/msgstr pairs (plural forms as lists) and flags of every entry, without gettext."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": "", "msgstr": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#~"):
                key = None  # obsolete entries are not used
                entry = {}
                break
            elif match := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line):
                key = match.group(1)
                value = ast.literal_eval(match.group(2))
                if key.startswith("msgstr"):
                    entry["msgstr"][key] = value
                else:
                    entry[key] = value
            elif line.startswith('"') and key:
                value = ast.literal_eval(line)
                if key.startswith("msgstr"):
                    entry["msgstr"][key] += value
                else:
                    entry[key] += value
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def test_every_interface_string_has_a_spanish_translation():
    entries = po_entries()
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [], "run scripts/update-translations and translate these"
    assert fuzzy == [], "check these guessed translations and remove the fuzzy mark"


def test_placeholders_survive_translation():
    for entry in po_entries():
        wanted = sorted(re.findall(r"%\(\w+\)[sd]", entry["msgid"]))
        for translated in entry["msgstr"].values():
            assert sorted(set(re.findall(r"%\(\w+\)[sd]", translated))) == sorted(set(wanted)), \
                entry["msgid"]


def test_compiled_catalogue_is_up_to_date():
    """The .mo in the repository is what the site reads; it must match the .po."""
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in po_entries():
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            got = [compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], n)
                   if context else compiled.ngettext(entry["msgid"], entry["msgid_plural"], n)
                   for n in (1, 2)]
            expected = [entry["msgstr"]["msgstr[0]"], entry["msgstr"]["msgstr[1]"]]
        else:
            got = (compiled.pgettext(context, entry["msgid"]) if context
                   else compiled.gettext(entry["msgid"]))
            expected = entry["msgstr"]["msgstr"]
        if got != expected:
            stale.append(entry["msgid"])
    assert stale == [], "run scripts/update-translations (it compiles django.mo)"


# Where the interface's strings live; the rest of the tree (tests, benchmarks, the virtual
# environment) is not translated (scripts/update-translations ignores the same).
_NOT_INTERFACE = {".venv", "node_modules", "tests", "data", "bench", "build", ".git", "locale",
                  "deploy", "docs"}


def test_every_string_marked_for_translation_is_in_the_catalogue(tmp_path):
    """What scripts/update-translations would collect, collected in a copy of the sources: a
    string marked in a template or in the code but missing from django.po would be shown in
    English on the Spanish pages. (It needs gettext, which .ci/run installs.)"""
    assert shutil.which("xgettext"), "collecting the marked strings needs gettext (apt-get install gettext)"
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    for path in base.rglob("*"):
        relative = path.relative_to(base)
        if relative.parts[0] in _NOT_INTERFACE or not path.is_file():
            continue
        if path.suffix in {".py", ".html", ".txt"}:
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, copy / relative)
    (copy / "locale" / "es" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(LOCALE / "django.po", copy / "locale" / "es" / "LC_MESSAGES" / "django.po")
    # The copy's own settings (its BASE_DIR, so its locale/) are imported: it comes first on
    # the path of a process started in it.
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "undersigned.settings",
                   "UNDERSIGNED_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(copy)}
    subprocess.run(
        [sys.executable, "-c", "import sys; from django.core.management import "
         "execute_from_command_line as run; run(['undersigned', *sys.argv[1:]])",
         "makemessages", "-l", "es", "--no-obsolete", "--verbosity", "0"],
        cwd=copy, env=environment, check=True, capture_output=True, timeout=300)

    def keys(po: Path) -> set[tuple[str | None, str]]:
        return {(e.get("msgctxt"), e["msgid"]) for e in po_entries(po)}

    collected = keys(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")
    catalogue = keys(LOCALE / "django.po")
    assert sorted(collected - catalogue, key=str) == [], "run scripts/update-translations"
    assert sorted(catalogue - collected, key=str) == [], \
        "no longer used: run scripts/update-translations"


def _your_data_page(client, email: str) -> str:
    from privacy.links import data_rights_url

    url = data_rights_url(email, "es")
    return client.get("/" + url.split("://", 1)[1].split("/", 1)[1]).content.decode()


@pytest.mark.django_db
def test_spanish_none_agrees_with_what_there_is_none_of(client, statement):
    """"Firmas: Ninguna", "Comentarios: Ninguno": one English word, two Spanish ones."""
    from tests.privacy.conftest import make_comment, make_signature

    make_signature(statement, "signer@example.org")
    make_comment(statement, "commenter@example.org")
    only_signed = _your_data_page(client, "signer@example.org")
    assert re.search(r'<h2 id="comments">Comentarios</h2>\s*<p>Ninguno\.</p>', only_signed)
    only_commented = _your_data_page(client, "commenter@example.org")
    assert re.search(r"<h2>Firmas</h2>\s*<p>Ninguna\.</p>", only_commented)


@pytest.mark.django_db
def test_the_spanish_sign_form_asks_where_one_works_without_a_question(client, statement):
    page = client.get(f"/es/s/{statement.slug}/").content.decode()
    assert "dónde trabaja" not in page  # "dónde" asks; here it relates
    assert "aquella en la que trabaja" in page
