"""Hostile spreadsheets for the upload tests, built on the fly (nothing large is committed).

Run as a script it reads one file through `workbook_read` in a fresh process and prints the
outcome and the process's peak RSS, so a test can bound the memory a refusal costs:
`python -m tests.security_uploads FILE`.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import zipfile
from pathlib import Path

import openpyxl


def _base_xlsx() -> dict[str, bytes]:
    """The parts of a one-sheet .xlsx written by openpyxl."""
    book = openpyxl.Workbook()
    book.active["A1"] = "序号"
    buf = io.BytesIO()
    book.save(buf)
    with zipfile.ZipFile(buf) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(path: Path, parts: dict[str, bytes], sheet_chunks: object) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                out.writestr(name, data)
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for chunk in sheet_chunks:  # type: ignore[attr-defined]
                sheet.write(chunk)
    return path


def zip_bomb_xlsx(path: Path, unpacked_mb: int = 400) -> Path:
    """An .xlsx of about 0.5 MB whose sheet unpacks to `unpacked_mb` MB of blanks."""
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    blank = b" " * (1024 * 1024)
    chunks = [head, *([blank] * unpacked_mb), b"</sheetData></worksheet>"]
    return _write(path, _base_xlsx(), chunks)


def long_formatted_xlsx(path: Path, rows: int = 200_000, dimension: bool = True) -> Path:
    """`rows` formatted empty rows (a style on column AN) and one bad cell at the bottom."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    head = f'<?xml version="1.0"?><worksheet xmlns="{ns}">'
    if dimension:
        head += f'<dimension ref="A1:AN{rows}"/>'
    head += '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c></row>'

    def body():
        yield head.encode()
        batch = []
        for r in range(2, rows):
            batch.append(f'<row r="{r}"><c r="AN{r}" s="0"/></row>')
            if len(batch) == 5000:
                yield "".join(batch).encode()
                batch = []
        batch.append(f'<row r="{rows}"><c r="B{rows}" t="inlineStr"><is><t>坏值</t></is></c></row>')
        yield ("".join(batch) + "</sheetData></worksheet>").encode()

    return _write(path, _base_xlsx(), body())


def _peak_rss_mb() -> int:
    """This process's own peak RSS. VmHWM belongs to the address space made at exec, whereas
    ru_maxrss also counts the pages of the (large) pytest worker this process was forked from."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main(path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.config.settings")
    import django

    django.setup()
    from duban.sheets.errors import SheetFileError
    from duban.sheets.reader import workbook_read

    outcome = {"refused": False, "message": "", "code": ""}
    try:
        book = workbook_read(Path(path))
        for sheet in book.sheets:
            for _row in sheet.iter_rows():
                pass
    except SheetFileError as e:
        outcome = {"refused": True, "message": str(e), "code": e.code}
    outcome["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(outcome, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
