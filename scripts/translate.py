"""Fill msgstr entries of catalogues from a Python dict file (a translator's helper).

    python scripts/translate.py TRANSLATIONS.py gongzhi/<app> [gongzhi/<app> ...]

TRANSLATIONS.py defines T = {msgid: msgstr}. Existing translations are kept.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import polib


def main() -> int:
    table = runpy.run_path(sys.argv[1])["T"]
    for app in sys.argv[2:]:
        path = Path(app) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(path))
        filled = 0
        for entry in po:
            if entry.translated() and "fuzzy" not in entry.flags:
                continue
            text = table.get(entry.msgid)
            if text is None:
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = {0: text}
            else:
                entry.msgstr = text
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            filled += 1
        po.save(str(path))
        print(f"{path}: {filled} filled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
