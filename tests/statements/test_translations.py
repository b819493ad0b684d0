"""The Spanish interface is complete, and the compiled catalogue matches its source."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"


def po_entries() -> list[dict]:
    """msgid/msgstr pairs (plural forms as lists) and flags of every entry, without gettext."""
    entries = []
    for block in (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n"):
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
