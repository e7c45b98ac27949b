"""Streaming readers for bulk files: CSV (UTF-8 or GB18030), XLSX and JSON Lines. What they read (fields,
:class:`RowSpec`, :class:`RawRow`, :class:`ImportFileError`) lives in :mod:`api.imports.readers_spec`,
re-exported here.

What columns a file may have is a :class:`RowSpec`: HR member files (:data:`MEMBER_SPEC`, the default)
and hardship-aid household files (``api.services.aid.imports``) share these readers.

Every reader yields :class:`RawRow` objects keyed by canonical English field names, one at a time, so a
file of a million members is read in constant memory. Nothing is validated here beyond the file's
structure (format, encoding, header); the values are left as text for
:func:`api.imports.members.normalise_member_row`, which reports problems row by row.

Row numbers are what a clerk sees in a spreadsheet: the header is row 1 and the first record row 2
(for JSON Lines, line number + 1, so the first record is row 2 as well), which is also how
the rejected rows of ``tests/samples.py`` count them.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import PurePath
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from api.i18n import _, _n
from api.imports.limits import LimitExceeded, check_xlsx, current
from api.imports.readers_spec import (
    CANONICAL_FIELDS,
    HEADER_ALIASES,
    MEMBER_SHEET,
    MEMBER_SPEC,
    REQUIRED_FIELDS,
    CellValue,
    FileFormat,
    ImportFileError,
    ImportFileErrorCode,
    RawRow,
    RowSpec,
    Source,
)

__all__ = [
    "CANONICAL_FIELDS",
    "HEADER_ALIASES",
    "MEMBER_SHEET",
    "MEMBER_SPEC",
    "REQUIRED_FIELDS",
    "ImportFileError",
    "ImportFileErrorCode",
    "RawRow",
    "RowSpec",
    "count_rows",
    "detect_format",
    "iter_rows",
]

_SNIFF_BYTES = 64 * 1024
_EXTENSIONS: dict[str, FileFormat] = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_BLANK = " \t\r\n\f\v\u3000\ufeff"


def detect_format(filename: str) -> FileFormat:
    """Format by extension: HR users name their files reliably, while sniffing content is fragile."""
    suffix = PurePath(filename.strip()).suffix.lower()
    try:
        return _EXTENSIONS[suffix]
    except KeyError:
        raise ImportFileError(
            "unsupported_format",
            _("{filename}: expected .csv, .xlsx, .jsonl or .ndjson"),
            filename=repr(filename),
        ) from None


def iter_rows(source: Source, filename: str, spec: RowSpec = MEMBER_SPEC) -> Iterator[RawRow]:
    """Yield the records of ``source`` (a path or a binary file object) lazily, blank rows skipped.

    The format comes from ``filename``. Structural problems raise :class:`ImportFileError` while iterating:
    the header (row 1) is checked before the first record is yielded; a decoding error or a corrupt part
    further down raises when reached. A file object passed in is left open.
    """
    readers: dict[FileFormat, Callable[[Source, RowSpec], Iterator[RawRow]]] = {
        "csv": _iter_csv,
        "xlsx": _iter_xlsx,
        "jsonl": _iter_jsonl,
    }
    yield from readers[detect_format(filename)](source, spec)


# --- header and rows, shared by CSV and XLSX --------------------------------------------------------


def _header_key(name: str) -> str:
    """Match column names loosely: full-width forms, stray spaces and letter case do not matter."""
    return unicodedata.normalize("NFKC", name).strip(_BLANK).casefold()


def _check_width(cells: Sequence[object], row_number: int) -> None:
    limit = current().max_columns
    if len(cells) > limit:
        raise ImportFileError(
            "too_many_columns",
            _("row {row} has {columns} columns (at most {limit})"),
            row=row_number,
            columns=len(cells),
            limit=limit,
        )


def _map_header(cells: Sequence[str | None], spec: RowSpec) -> list[str | None]:
    """Canonical field per column position (``None`` for an unnamed column); raise on a bad header."""
    _check_width(cells, 1)
    if all(not (cell or "").strip(_BLANK) for cell in cells):
        raise ImportFileError("missing_column", _("row 1 must hold the column names, but it is empty"))
    columns: list[str | None] = []
    unknown: list[str] = []
    for cell in cells:
        key = _header_key(cell or "")
        canonical = spec.aliases.get(key) if key else None
        if key and canonical is None:
            unknown.append((cell or "").strip(_BLANK))
        columns.append(canonical)
    if unknown:
        raise ImportFileError(
            "unknown_column",
            _n("unknown column: {columns}", "unknown columns: {columns}", "columns"),
            columns=unknown,
        )
    _check_fields([c for c in columns if c is not None], spec)
    return columns


def _check_fields(fields: list[str], spec: RowSpec, *, line: int | None = None) -> None:
    """Each field once, and the fields no member can be registered without must be there (in the header,
    or in the first record of a JSON Lines file, ``line``)."""
    duplicates = sorted(name for name, count in Counter(fields).items() if count > 1)  # linear
    if duplicates:
        raise ImportFileError(
            "duplicate_column", _("the header names these fields twice: {fields}"), fields=duplicates
        )
    missing = [f for f in spec.required if f not in fields]
    if missing and line is not None:
        raise ImportFileError(
            "missing_column",
            _n(
                "line {line} lacks a required field: {fields}",
                "line {line} lacks required fields: {fields}",
                "fields",
            ),
            line=line,
            fields=missing,
        )
    if missing:
        raise ImportFileError(
            "missing_column",
            _n(
                "the header lacks a required column: {fields}",
                "the header lacks required columns: {fields}",
                "fields",
            ),
            fields=missing,
        )


def _is_blank(values: Iterable[str | None]) -> bool:
    return all(value is None or not value.strip(_BLANK) for value in values)


def _table_rows(
    rows: Iterator[Sequence[CellValue]],
    convert: Callable[[CellValue, str | None], str | None],
    spec: RowSpec,
) -> Iterator[RawRow]:
    """Turn positional rows (row 1 = header) into :class:`RawRow` objects, skipping blank rows."""
    header = next(rows, None)
    if header is None:
        raise ImportFileError("missing_column", _("the file is empty"))
    columns = _map_header([convert(cell, None) for cell in header], spec)
    width = len(columns)
    all_named = None not in columns
    template: dict[str, str | None] = dict.fromkeys(spec.fields)
    for row_number, cells in enumerate(rows, start=2):
        if len(cells) > width:
            _check_width(cells, row_number)
        if convert is _csv_cell:  # CSV cells are text already: only "" becomes None (bulk imports' hot path)
            values: list[str | None] = [cell or None for cell in cells]  # type: ignore[misc]
        else:
            values = [convert(cell, columns[i] if i < width else None) for i, cell in enumerate(cells)]
        if _is_blank(values):
            continue
        if all_named and len(values) <= width:  # every cell in a named column: nothing extra to look for
            data = template.copy()
            data.update(zip(columns, values, strict=False))  # type: ignore[arg-type]
            yield RawRow(row_number=row_number, data=data)
        else:
            yield _make_row(row_number, columns, values, spec)


def count_rows(source: Source, filename: str, spec: RowSpec = MEMBER_SPEC) -> int:
    """The number of records :func:`iter_rows` yields, raising the same :class:`ImportFileError` s, but
    without building the rows (the import's counting pass). CSV is only split into cells."""
    if detect_format(filename) != "csv":
        return sum(1 for _ in iter_rows(source, filename, spec))
    with _csv_reader(source) as reader:
        header = next(reader, None)
        if header is None:
            raise ImportFileError("missing_column", _("the file is empty"))
        width = len(_map_header([_csv_cell(cell, None) for cell in header], spec))
        count = 0
        for row_number, cells in enumerate(reader, start=2):
            if len(cells) > width:
                _check_width(cells, row_number)
            if not _is_blank(cells):
                count += 1
        return count


def _make_row(row_number: int, columns: list[str | None], values: list[str | None], spec: RowSpec) -> RawRow:
    data: dict[str, str | None] = dict.fromkeys(spec.fields)
    extra: list[str] = []
    for position, value in enumerate(values):
        name = columns[position] if position < len(columns) else None
        if name is not None:
            data[name] = value
        elif value is not None and value.strip(_BLANK):
            extra.append(value)
    return RawRow(row_number=row_number, data=data, extra=tuple(extra))


# --- CSV ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _binary(source: Source) -> Iterator[IO[bytes]]:
    """Open a path (and close it afterwards) or pass a caller's file object through untouched."""
    if isinstance(source, (str, os.PathLike)):
        try:
            stream = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise ImportFileError(
                "unreadable_file", _("cannot open the file: {error}"), error=exc.strerror
            ) from None
        with stream:
            yield stream
    else:
        yield source


class _PrefixedStream(io.RawIOBase):
    """Bytes already read for sniffing, then the rest of a stream that cannot seek back."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        if self._prefix:
            count = min(len(target), len(self._prefix))
            target[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        data = self._rest.read(len(target))
        target[: len(data)] = data
        return len(data)


_NUL_MESSAGE = _("contains NUL bytes: not a text CSV (UTF-16 or binary?)")


def _sniff_encoding(stream: IO[bytes]) -> tuple[str, IO[bytes]]:
    """UTF-8 (BOM or not) if the first 64 KiB decode strictly as UTF-8, else GB18030 (a superset of GBK).

    Chinese Excel saves CSV as GBK by default, other tools as UTF-8; a GBK file of Chinese text is almost
    never valid UTF-8, so a strict trial decode of the head is a reliable test. NUL bytes mean UTF-16
    ("Unicode text" from Excel) or a binary file, neither of which we read. Returns a stream positioned
    at the start again (seeking back when possible, otherwise replaying the sniffed bytes).
    """
    start = stream.tell() if stream.seekable() else None
    head = stream.read(_SNIFF_BYTES)
    if b"\x00" in head:
        raise ImportFileError("unreadable_file", _NUL_MESSAGE)
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        try:
            codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=len(head) < _SNIFF_BYTES)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "gb18030"
    if start is not None:
        stream.seek(start)
        return encoding, stream
    return encoding, io.BufferedReader(_PrefixedStream(head, stream))


def _csv_cell(value: CellValue, _field: str | None) -> str | None:
    return None if value is None or value == "" else str(value)


@contextlib.contextmanager
def _csv_reader(source: Source) -> Iterator[Iterator[list[str]]]:
    """A ``csv.reader`` over the decoded file; decoding and CSV errors become :class:`ImportFileError`."""
    with _binary(source) as stream:
        encoding, stream = _sniff_encoding(stream)
        text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
        try:
            yield csv.reader(_bounded_lines(text), strict=False)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                "unreadable_file",
                _("not valid {encoding} text: {error}"),
                encoding=encoding,
                error=exc.reason,
            ) from None
        except csv.Error as exc:
            raise ImportFileError(
                "unreadable_file", _("not a readable CSV file: {error}"), error=str(exc)
            ) from None
        finally:
            text.detach()


def _bounded_lines(text: IO[str]) -> Iterator[str]:
    """The lines of ``text``, refusing one longer than a full row could be (never read whole), and a NUL
    character anywhere: the encoding sniff only sees the head, and no database text can hold one
    (PostgreSQL refuses it; SQLite would store it inside a name)."""
    limits = current()
    limit = limits.max_columns * (limits.max_cell_chars + 3)
    readline = text.readline
    while line := readline(limit + 1):
        if len(line) > limit:
            raise ImportFileError(
                "too_many_columns",
                _("a line longer than {limit} characters (at most {columns} columns)"),
                limit=limit,
                columns=limits.max_columns,
            )
        if "\x00" in line:
            raise ImportFileError("unreadable_file", _NUL_MESSAGE)
        yield line


def _iter_csv(source: Source, spec: RowSpec) -> Iterator[RawRow]:
    with _csv_reader(source) as reader:
        yield from _table_rows(iter(reader), _csv_cell, spec)


# --- XLSX --------------------------------------------------------------------------------------------


def _xlsx_cell(value: CellValue, field_name: str | None) -> str | None:
    """Render a cell as the text a clerk sees, with one deliberate exception for national IDs.

    A number in the ID column means a spreadsheet already destroyed the last digits; ``repr`` keeps the
    float form (``1.40105198310051e+17``) so that the validator reports ``id_excel_float`` instead of a
    baffling checksum error.
    """
    if value is None:
        return None
    if isinstance(value, str) and len(value) > current().max_cell_chars:
        raise ImportFileError(
            "cell_too_long", _("a cell longer than {limit} characters"), limit=current().max_cell_chars
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if field_name == "national_id":
            return repr(value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return _csv_cell(value, field_name)


def _xlsx_converter(spec: RowSpec) -> Callable[[CellValue, str | None], str | None]:
    """:func:`_xlsx_cell` with ``spec.id_fields`` treated like the member file's ``national_id``."""

    def convert(value: CellValue, field_name: str | None) -> str | None:
        if isinstance(value, float) and field_name in spec.id_fields:
            return repr(value)
        return _xlsx_cell(value, field_name)

    return convert


_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError, ParseError)


def _iter_xlsx(source: Source, spec: RowSpec) -> Iterator[RawRow]:
    from openpyxl import load_workbook  # imported here: only XLSX imports pay for it

    with _binary(source) as stream:
        try:
            check_xlsx(stream)  # sizes of every part, streamed, before openpyxl builds anything
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except LimitExceeded as exc:
            raise ImportFileError(exc.code, exc.text.message, **exc.text.params) from None  # type: ignore[arg-type]
        except _XLSX_ERRORS as exc:
            raise ImportFileError(
                "unreadable_file", _("not a readable XLSX workbook: {error}"), error=str(exc)
            ) from None
        try:
            sheet = workbook[spec.sheet] if spec.sheet in workbook.sheetnames else workbook.worksheets[0]
            sheet.reset_dimensions()  # stored dimensions are often wrong; read every row actually present
            convert = _xlsx_cell if spec.id_fields == MEMBER_SPEC.id_fields else _xlsx_converter(spec)
            yield from _table_rows(sheet.iter_rows(values_only=True), convert, spec)
        except _XLSX_ERRORS as exc:
            raise ImportFileError(
                "unreadable_file", _("corrupt XLSX workbook: {error}"), error=str(exc)
            ) from None
        finally:
            workbook.close()


# --- JSON Lines --------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a value")


def _json_value(value: Any, line_number: int) -> str | None:
    """Numbers arrive as their source text (see :func:`_iter_jsonl`); lists join into comma-separated text."""
    if isinstance(value, str) and len(value) > current().max_cell_chars:
        raise ImportFileError(
            "cell_too_long",
            _("line {line}: a value longer than {limit} characters"),
            line=line_number,
            limit=current().max_cell_chars,
        )
    if isinstance(value, str) and "\x00" in value:  # "\u0000" in the JSON text: as a NUL in a CSV
        raise ImportFileError(
            "unreadable_file", _("line {line}: a value holds a NUL character"), line=line_number
        )
    if value is None or isinstance(value, str):
        return _csv_cell(value, None)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return _json_value(",".join(value), line_number)
    raise ImportFileError(
        "unreadable_file", _("line {line}: nested values are not supported"), line=line_number
    )


def _json_record(line: str, line_number: int, spec: RowSpec) -> dict[str, str | None]:
    """Parse one line. Numbers keep their text (``parse_float=str``) so IDs and money are never floats."""
    try:
        record = json.loads(line, parse_float=str, parse_int=str, parse_constant=_reject_constant)
    except ValueError as exc:
        raise ImportFileError(
            "unreadable_file", _("line {line}: not valid JSON ({error})"), line=line_number, error=str(exc)
        ) from None
    if not isinstance(record, dict):
        raise ImportFileError("unreadable_file", _("line {line}: expected a JSON object"), line=line_number)
    mapped: dict[str, str | None] = {}
    for key, value in record.items():
        canonical = spec.aliases.get(_header_key(key))
        if canonical is None:
            raise ImportFileError(
                "unknown_column", _("line {line}: unknown key {key}"), line=line_number, key=repr(key)
            )
        if canonical in mapped:
            raise ImportFileError(
                "duplicate_column",
                _("line {line}: field {field} given twice"),
                line=line_number,
                field=canonical,
            )
        mapped[canonical] = _json_value(value, line_number)
    return mapped


def _iter_jsonl(source: Source, spec: RowSpec) -> Iterator[RawRow]:
    """UTF-8 (RFC 8259), BOM tolerated. Required keys are checked on the first record, like a header."""
    with _binary(source) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict")
        try:
            first = True
            for line_number, line in enumerate(_bounded_lines(text), start=1):
                if not line.strip(_BLANK):
                    continue
                record = _json_record(line, line_number, spec)
                if first:
                    _check_fields(list(record), spec, line=line_number)
                    first = False
                data: dict[str, str | None] = dict.fromkeys(spec.fields)
                data.update(record)
                yield RawRow(row_number=line_number + 1, data=data)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                "unreadable_file", _("not valid UTF-8 text: {error}"), error=exc.reason
            ) from None
        finally:
            text.detach()
