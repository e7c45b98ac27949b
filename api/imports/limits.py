"""Size limits of an import file, checked before and while it is read (no decompression bomb, no
quadratic header, no row or cell that a worker must hold whole in memory).

An XLSX file is a ZIP of XML parts: a few hundred kilobytes can inflate to gigabytes, in one shared
string, one cell or one row of millions of cells. :func:`check_xlsx` streams every part once through
the decompressor before openpyxl sees the file, in constant memory and at C speed (byte searches, no
XML parsing), and refuses the file when

* the parts declare, or turn out to inflate to, more than ``max_uncompressed_bytes`` in all, or the
  shared strings alone to more than ``max_shared_strings_bytes`` (openpyxl holds them all in memory);
* any run of text between two tags is longer than ``max_text_bytes`` (a cell or a shared string,
  bounded before a parser builds it);
* any ``<row>`` or ``<si>`` element (one row, one shared string) spans more than ``max_element_bytes``.

While reading, the readers then check the exact limits on what they build: at most ``max_columns``
cells per row (the header included) and ``max_cell_chars`` characters per cell.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from api.i18n import SOURCE_LANGUAGE, Message, Text, _

__all__ = ["LIMITS", "FileLimits", "LimitExceeded", "check_xlsx", "current"]


@dataclass(frozen=True, slots=True)
class FileLimits:
    max_columns: int = 64
    max_cell_chars: int = 4000
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_shared_strings_bytes: int = 256 * 1024 * 1024

    @property
    def max_text_bytes(self) -> int:
        """A cell of ``max_cell_chars`` characters is at most 4 bytes a character in UTF-8, and no
        shorter as XML (an entity reference is longer than the character it stands for)."""
        return self.max_cell_chars * 4 + 64

    @property
    def max_element_bytes(self) -> int:
        """One row of ``max_columns`` cells of full length, with generous room for the markup."""
        return self.max_columns * (self.max_text_bytes + 256) + 4096


#: the limits the readers apply (tests may pass their own)
LIMITS = FileLimits()


class LimitExceeded(Exception):
    """``code`` is ``too_many_columns``, ``cell_too_long`` or ``uncompressed_too_large``."""

    def __init__(self, code: str, message: Message, /, **params: Any) -> None:
        self.code = code
        self.text = Text(message, params)
        self.detail = self.text.render(SOURCE_LANGUAGE)
        super().__init__(f"{code}: {self.detail}")


_CHUNK = 1024 * 1024
_ELEMENT_START = {
    "row": re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]"),
    "si": re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]"),
}


def _scan_part(stream: IO[bytes], element: str | None, limits: FileLimits, budget: int, name: str) -> int:
    """Read one part in chunks; returns the bytes it inflated to. Raises :class:`LimitExceeded`."""
    text_run = re.compile(rb"[^<]{%d}" % (limits.max_text_bytes + 1))
    start = _ELEMENT_START.get(element or "")
    carry = b""
    offset = 0  # bytes of the part before ``carry``
    last_start: int | None = None  # absolute offset of the last element start seen
    total = 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > budget:
            raise LimitExceeded("uncompressed_too_large", _("{part} inflates beyond the limit"), part=name)
        buf = carry + chunk
        cut = buf.rfind(b"<")
        if cut < 0:
            cut = 0
        body, carry = buf[:cut], buf[cut:]
        if text_run.search(body) or len(carry) > limits.max_text_bytes + 1:
            raise LimitExceeded(
                "cell_too_long",
                _("{part}: a cell or string longer than {limit} characters"),
                part=name,
                limit=limits.max_cell_chars,
            )
        if start is not None:
            for match in start.finditer(body):
                position = offset + match.start()
                if last_start is not None and position - last_start > limits.max_element_bytes:
                    raise _too_big(element, name, limits)
                last_start = position
            if last_start is not None and offset + len(body) - last_start > limits.max_element_bytes:
                raise _too_big(element, name, limits)
        offset += len(body)
    return total


def _too_big(element: str | None, name: str, limits: FileLimits) -> LimitExceeded:
    if element == "row":
        return LimitExceeded(
            "too_many_columns",
            _("{part}: a row with more than {limit} columns"),
            part=name,
            limit=limits.max_columns,
        )
    return LimitExceeded(
        "cell_too_long",
        _("{part}: a string longer than {limit} characters"),
        part=name,
        limit=limits.max_cell_chars,
    )


def current() -> FileLimits:
    """The limits in force (module-level :data:`LIMITS`, looked up at each call so tests can set it)."""
    return LIMITS


def check_xlsx(stream: IO[bytes], limits: FileLimits | None = None) -> None:
    """Refuse a workbook whose parts inflate beyond ``limits`` (see the module); leaves ``stream`` at its
    start. A file that is no ZIP at all raises ``zipfile.BadZipFile`` (the reader reports it)."""
    limits = limits or current()
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            declared = sum(info.file_size for info in infos)
            if declared > limits.max_uncompressed_bytes:
                raise LimitExceeded(
                    "uncompressed_too_large",
                    _("the workbook inflates to {size_mb} MB (limit {limit_mb} MB)"),
                    size_mb=declared // (1024 * 1024),
                    limit_mb=limits.max_uncompressed_bytes // (1024 * 1024),
                )
            budget = limits.max_uncompressed_bytes
            for info in infos:
                if info.is_dir():
                    continue
                name = info.filename
                element: str | None = "row"  # wherever a worksheet is stored
                part_budget = budget
                if name == "xl/sharedStrings.xml":
                    element = "si"
                    part_budget = min(budget, limits.max_shared_strings_bytes)
                    if info.file_size > part_budget:
                        raise LimitExceeded(
                            "uncompressed_too_large", _("{part} is larger than the limit"), part=name
                        )
                with archive.open(info) as part:
                    budget -= _scan_part(part, element, limits, part_budget, name)
    finally:
        stream.seek(start)
