"""Every Vietnamese source string has an English translation, and placeholders survive."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_string_is_translated_to_english(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    sources = {m.id for m in read_po(pot.open("rb")) if m.id}
    english = {m.id: m.string for m in read_po((ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb")) if m.id}
    missing = sorted(s for s in sources if not english.get(s))
    assert not missing, "untranslated (run `make messages` and translate): " + "; ".join(missing[:20])
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for source in sources:
        assert sorted(placeholder.findall(source)) == sorted(placeholder.findall(english[source])), source
