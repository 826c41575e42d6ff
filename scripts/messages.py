"""Extract translatable strings into each app's zh_Hans catalogue and report gaps.

    python scripts/messages.py           update the .po files in place
    python scripts/messages.py --check   report untranslated strings, change nothing
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]


def _entries(path: Path) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return sorted(
        (e.msgid, e.msgid_plural, e.msgstr + "|".join(e.msgstr_plural.values()), tuple(sorted(e.flags)))
        for e in polib.pofile(str(path))
        if not e.obsolete
    )


def main() -> int:
    check = "--check" in sys.argv
    if shutil.which("xgettext") is None:
        print("gettext is not installed (apt-get install gettext); cannot extract messages.")
        return 1
    catalogues = sorted(ROOT.glob("gongzhi/*/locale/zh_Hans/LC_MESSAGES/django.po"))
    backup = Path(tempfile.mkdtemp(prefix="gongzhi-po-"))
    for po in catalogues:
        target = backup / po.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(po, target)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gongzhi.config.settings.test"}
    try:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location",
             "--ignore", ".venv/*", "--ignore", "var/*", "--ignore", "bench/*", "--ignore", "tests/*",
             "--ignore", "*/tests/*", "--ignore", "scripts/*", "-v", "0"],
            cwd=ROOT, env=env, check=True,
        )
        # A catalogue whose entries did not change keeps its old header (no date churn).
        for po_path in ROOT.glob("gongzhi/*/locale/zh_Hans/LC_MESSAGES/django.po"):
            saved = backup / po_path.relative_to(ROOT)
            if saved.exists() and _entries(saved) == _entries(po_path):
                shutil.copy2(saved, po_path)
        missing: list[str] = []
        for po_path in sorted(ROOT.glob("gongzhi/*/locale/zh_Hans/LC_MESSAGES/django.po")):
            po = polib.pofile(str(po_path))
            for entry in po:
                if entry.obsolete:
                    continue
                untranslated = not entry.translated() or "fuzzy" in entry.flags
                if untranslated:
                    missing.append(f"{po_path.relative_to(ROOT)}: {entry.msgid!r}")
    finally:
        if check:
            for po in ROOT.glob("gongzhi/*/locale/zh_Hans/LC_MESSAGES/django.po"):
                saved = backup / po.relative_to(ROOT)
                if saved.exists():
                    shutil.copy2(saved, po)
                else:
                    po.unlink()
        shutil.rmtree(backup, ignore_errors=True)
    if missing:
        print(f"{len(missing)} string(s) have no Chinese translation:")
        for line in missing[:200]:
            print("  " + line)
        return 1 if check else 0
    print("Every translatable string has a Chinese translation.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
