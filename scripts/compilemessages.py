"""Compile locale/*/LC_MESSAGES/django.po to .mo with polib (no GNU gettext needed).

--check: fail when a committed .mo differs from its .po (someone forgot to compile), or when
the .po holds an entry left untranslated or marked fuzzy (makemessages guesses a fuzzy
translation for a new text from a similar one, e.g. 等 → "Grade", and a fuzzy entry is not
compiled, so the page would show the Chinese).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "duban" / "locale"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        po = polib.pofile(str(po_path))
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "x.mo"
            po.save_as_mofile(str(fresh))
            data = fresh.read_bytes()
        if check:
            if not mo_path.exists() or mo_path.read_bytes() != data:
                stale.append(str(mo_path))
            unfinished = po.untranslated_entries() + po.fuzzy_entries()
            stale += [f"{po_path}: untranslated or fuzzy: {e.msgid[:60]!r}" for e in unfinished]
        else:
            mo_path.write_bytes(data)
            print(f"compiled {mo_path} ({po.percent_translated()}% translated)")
    if stale:
        print(
            "Out of date or unfinished (translate, drop the fuzzy flag, then run "
            "python scripts/compilemessages.py):",
            *stale,
            sep="\n  ",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
