"""Valid HTML, checked by the Nu Html Checker (vnu.jar, the W3C validator's engine, installed from
npm with the browser-test tools and run on the machine's Java): one JVM for a whole batch of
pages, since it starts in about a second."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def html_errors(pages: dict[str, str]) -> dict[str, list[str]]:
    """Each page (name → HTML text) that the checker finds invalid → its errors, located."""
    java = shutil.which("java")
    assert java, "Java is needed for the HTML checker (make test installs it: .ci/run)"
    assert VNU.exists(), f"{VNU} is missing: run make browser-deps"
    with tempfile.TemporaryDirectory() as folder:
        names = {}
        for number, (name, html) in enumerate(pages.items()):
            (Path(folder) / f"{number}.html").write_text(html, encoding="utf-8")
            names[f"{number}.html"] = name
        result = subprocess.run(
            [java, "-Xss8m", "-jar", str(VNU), "--stdout", "--format", "json", "--errors-only",
             "--exit-zero-always", *(str(Path(folder) / f"{n}.html") for n in range(len(pages)))],
            capture_output=True, text=True, timeout=300, check=True)
    errors: dict[str, list[str]] = {}
    for message in json.loads(result.stdout)["messages"]:
        url = message.get("url", "?")
        name = names.get(url.rsplit("/", 1)[-1], url)
        errors.setdefault(name, []).append(
            f"line {message.get('lastLine', '?')}: {message['message']} "
            f"[{message.get('extract', '').strip()[:120]}]")
    return errors
