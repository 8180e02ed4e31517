"""What an uploaded file is, judged by its content, and whether it is safe to open.

Every upload (ledger, monthly workbook, problem list, evidence) comes through here before it
is read: its size, its type from the first bytes (never the name the sender gave it), and for
a zip container (.xlsx, .docx, .ods…) the sizes its directory declares, summed and compared
with the limit *before anything is inflated*. Each entry is then inflated once in a streaming
pass that keeps no output (a few hundred kilobytes of memory), so a header that understates
its size is caught too. A 1 MB zip bomb is refused in milliseconds.

Reading one file also has a time budget (`ReadDeadline`, DUBAN_UPLOAD_MAX_SECONDS, 30 s): the
streaming pass here and every step of reading a workbook (duban.sheets.reader) check it, so a
file crafted to be slow within the size limits is stopped with a message instead of holding a
request.
"""

from __future__ import annotations

import functools
import io
import logging
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError

MB = 1024 * 1024
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 256 * 1024
_ZIP_ERRORS = (zipfile.BadZipFile, NotImplementedError, EOFError, ValueError, OSError, zlib.error)


class UploadRefusedError(ApplicationError):
    """The file is refused before it is read; the message says why and what to do."""


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "DUBAN_UPLOAD_MAX_UNPACKED_BYTES", 200 * MB))


def max_zip_entries() -> int:
    return int(getattr(settings, "DUBAN_UPLOAD_MAX_ZIP_ENTRIES", 10_000))


_now = time.monotonic  # the clock of the reading budget (a test may make it run fast)


def max_read_seconds() -> float:
    return float(getattr(settings, "DUBAN_UPLOAD_MAX_SECONDS", 30))


class ReadDeadline:
    """The time one uploaded file may take to be read, counted from when its reading starts.

    `check()` is cheap (one monotonic clock read) and is called between steps: per chunk
    inflated, per sheet loaded, every few hundred rows. Past the budget it refuses the file
    (UploadRefusedError, code `too_slow`); nothing has been written by then.
    """

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = max_read_seconds() if seconds is None else seconds
        self.ends = _now() + self.seconds

    def check(self) -> None:
        if _now() > self.ends:
            raise UploadRefusedError(
                _(
                    "文件读取超过 %(limit)s 秒仍未完成（数据量或格式过于复杂），已停止，未保存任何内容。"
                    "请删去无关的工作表、图片或空白格式，或把数据分成几个文件后再上传。"
                )
                % {"limit": f"{self.seconds:g}"},
                code="too_slow",
            )


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise UploadRefusedError(
            _("文件太大（%(size)s MB），超过上限 %(limit)s MB。")
            % {"size": _mb(size), "limit": _mb(limit)},
            code="too_large",
        )


def zip_check(
    content: bytes, *, limit: int | None = None, deadline: ReadDeadline | None = None
) -> zipfile.ZipFile:
    """The zip container, after its directory and its real inflated size are checked against
    `limit` (default DUBAN_UPLOAD_MAX_UNPACKED_MB) within the file's time budget;
    UploadRefusedError otherwise."""
    limit = max_unpacked_bytes() if limit is None else limit
    deadline = deadline or ReadDeadline()
    refused = UploadRefusedError(
        _(
            "文件解压后超过 %(limit)s MB（文件内的数据量异常，可能是压缩炸弹），已拒绝。"
            "请检查文件，删去无关的工作表、图片或空白格式后再上传。"
        )
        % {"limit": _mb(limit)},
        code="too_large",
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except _ZIP_ERRORS:
        raise UploadRefusedError(_("文件已损坏，无法读取。")) from None
    if len(entries) > max_zip_entries():
        raise refused
    # 1. What the directory declares: instant, nothing inflated.
    if sum(e.file_size for e in entries) > limit:
        raise refused
    # 2. What the entries really inflate to, counted and thrown away as they stream.
    total = 0
    for entry in entries:
        try:
            stream = archive.open(entry)
        except _ZIP_ERRORS:
            # A damaged local header: no reader can open this entry either (a workbook
            # whose docProps are damaged still reads), so it costs nothing.
            continue
        try:
            with stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise refused
                    deadline.check()
        except _ZIP_ERRORS:
            # zipfile stops an entry at its declared size and then fails its CRC: a header
            # that understates what the entry inflates to ends here.
            raise UploadRefusedError(_("文件已损坏，无法读取。")) from None
    return archive


@dataclass(frozen=True)
class EvidenceKind:
    extension: str
    content_type: str


_PDF = EvidenceKind("pdf", "application/pdf")
_DOCX = EvidenceKind(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
_XLSX = EvidenceKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_PPTX = EvidenceKind(
    "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)
_OLE = {
    "doc": EvidenceKind("doc", "application/msword"),
    "xls": EvidenceKind("xls", "application/vnd.ms-excel"),
    "ppt": EvidenceKind("ppt", "application/vnd.ms-powerpoint"),
    "wps": EvidenceKind("wps", "application/vnd.ms-works"),
    "et": EvidenceKind("et", "application/vnd.ms-excel"),
    "dps": EvidenceKind("dps", "application/vnd.ms-powerpoint"),
}
_ODF = {
    "application/vnd.oasis.opendocument.text": EvidenceKind(
        "odt", "application/vnd.oasis.opendocument.text"
    ),
    "application/vnd.oasis.opendocument.spreadsheet": EvidenceKind(
        "ods", "application/vnd.oasis.opendocument.spreadsheet"
    ),
    "application/vnd.oasis.opendocument.presentation": EvidenceKind(
        "odp", "application/vnd.oasis.opendocument.presentation"
    ),
}


def evidence_max_bytes() -> int:
    return int(getattr(settings, "DUBAN_EVIDENCE_MAX_BYTES", 20 * MB))


def evidence_kind(content: bytes, file_name: str) -> EvidenceKind:
    """The type of an evidence file from its content: images (JPEG, PNG, GIF, WebP, BMP),
    PDF, Office and WPS documents (.doc/.xls/.ppt, .docx/.xlsx/.pptx, OpenDocument).
    UploadRefusedError for anything else, for a file past the size limit, or for a zip bomb."""
    check_size(len(content), evidence_max_bytes())
    if not content:
        raise UploadRefusedError(_("文件是空的。"))
    head = content[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return EvidenceKind("jpg", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return EvidenceKind("png", "image/png")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return EvidenceKind("gif", "image/gif")
    if head.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return EvidenceKind("webp", "image/webp")
    if head.startswith(b"BM"):
        return EvidenceKind("bmp", "image/bmp")
    if head.startswith(b"%PDF-"):
        return _PDF
    if head.startswith(_OLE2):
        suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
        # An OLE2 container is a legacy Office/WPS file; the name only picks which one.
        return _OLE.get(suffix, _OLE["doc"])
    if head.startswith(_ZIP):
        archive = zip_check(content)
        names = set(archive.namelist())
        if "word/document.xml" in names:
            return _DOCX
        if "xl/workbook.xml" in names:
            return _XLSX
        if "ppt/presentation.xml" in names:
            return _PPTX
        if "mimetype" in names:
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
            if mimetype in _ODF:
                return _ODF[mimetype]
    raise UploadRefusedError(
        _("只能上传图片（JPG、PNG、GIF、WebP、BMP）、PDF 或 Office/WPS 文档；该文件不是这些类型。"),
        code="type",
    )


# -- files written inside a write that may still fail -------------------------------------

logger = logging.getLogger(__name__)
_stored: ContextVar[list[FieldFile] | None] = ContextVar("duban_stored_files", default=None)
F = TypeVar("F", bound=Callable[..., Any])


def store_file(field: FieldFile, name: str, content: bytes) -> None:
    """Write an upload's bytes to storage for a row about to be saved. Inside
    `files_removed_on_error` the file is deleted again if the write fails afterwards, so a
    refused request leaves no file that no row names."""
    field.save(name, ContentFile(content), save=False)
    pending = _stored.get()
    if pending is not None:
        pending.append(field)


@contextmanager
def files_removed_on_error() -> Iterator[None]:
    """Delete the files `store_file` wrote inside the block when the block raises (its
    transaction is rolled back, so no row names them). Nested blocks hand their files to the
    outer one: only the outermost failure decides."""
    outer = _stored.get()
    mine: list[FieldFile] = []
    token = _stored.set(mine)
    try:
        yield
    except BaseException:
        for field in mine:
            try:
                if field.name:
                    field.storage.delete(field.name)
            except OSError:  # pragma: no cover - the storage is gone or read-only
                logger.warning("could not remove %s after a failed write", field.name)
        raise
    finally:
        _stored.reset(token)
        if outer is not None:
            outer.extend(mine)


def removes_files_on_error(func: F) -> F:
    """Decorator form of `files_removed_on_error` for a service (put it above `atomic`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with files_removed_on_error():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
