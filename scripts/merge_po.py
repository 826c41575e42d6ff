"""Resolve a git merge conflict in .po catalogues: keep every entry of both sides,
preferring a translated string over an empty one (ours wins when both are translated).

    python scripts/merge_po.py path/to/django.po [...]   (during a conflicted merge)
"""

from __future__ import annotations

import subprocess
import sys

import polib


def side(path: str, stage: int) -> polib.POFile | None:
    try:
        text = subprocess.run(["git", "show", f":{stage}:{path}"], check=True, capture_output=True, text=True).stdout
    except subprocess.CalledProcessError:
        return None
    return polib.pofile(text)


def main() -> int:
    for path in sys.argv[1:]:
        ours, theirs = side(path, 2), side(path, 3)
        base = ours or theirs
        assert base is not None, path
        merged: dict[tuple[str, str], polib.POEntry] = {}
        for po in (theirs, ours):
            if po is None:
                continue
            for entry in po:
                if entry.obsolete:
                    continue
                key = (entry.msgctxt or "", entry.msgid)
                if key not in merged or entry.translated() or not merged[key].translated():
                    merged[key] = entry
        out = polib.POFile()
        out.metadata = base.metadata
        out.header = base.header
        for entry in merged.values():
            out.append(entry)
        out.save(path)
        subprocess.run(["git", "add", path], check=True)
        print(f"merged {path}: {len(out)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
