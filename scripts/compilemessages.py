"""Compile locale/*/LC_MESSAGES/django.po to .mo with polib (no GNU gettext needed).

--check: fail when a committed .mo differs from its .po (someone forgot to compile).
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
        else:
            mo_path.write_bytes(data)
            print(f"compiled {mo_path} ({po.percent_translated()}% translated)")
    if stale:
        print("Out of date (run python scripts/compilemessages.py):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
