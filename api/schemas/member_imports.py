"""Bulk member imports (jobs and their reports) and the HR upsert by employee number."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import EmailStr, Field

from api.schemas.common import MoneyFen, Out, StrictIn
from api.schemas.members import Gender, MemberStatusName, Phone


class ImportOnError(StrEnum):
    abort = "abort"  # any failed row -> nothing is written
    skip = "skip"  # the good rows are written, the bad ones reported


class ImportStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class ImportPhase(StrEnum):
    queued = "queued"
    counting = "counting"  # reading the file once for the total
    validating = "validating"  # dry runs
    writing = "writing"  # real runs: validating and writing, in one transaction
    done = "done"


class ImportFileFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    jsonl = "jsonl"  # JSON Lines (.jsonl or .ndjson)


class ImportErrorKind(StrEnum):
    """What is wrong with a row's field (api.imports.members.KIND_MESSAGES and the database checks of
    api.services.member_imports.DB_KIND_MESSAGES; a test keeps the three in step)."""

    id_short = "id_short"
    id_long = "id_long"
    id_excel_float = "id_excel_float"
    id_format = "id_format"
    id_region = "id_region"
    id_birth_date = "id_birth_date"
    id_checksum = "id_checksum"
    missing_national_id = "missing_national_id"
    id_birth_mismatch = "id_birth_mismatch"
    gender_mismatch = "gender_mismatch"
    bad_gender = "bad_gender"
    missing_name = "missing_name"
    missing_employee_no = "missing_employee_no"
    bad_phone = "bad_phone"
    bad_email = "bad_email"
    bad_date = "bad_date"
    future_join = "future_join"
    negative_wage = "negative_wage"
    bad_wage = "bad_wage"
    bad_flag = "bad_flag"
    extra_cells = "extra_cells"
    dup_employee_no = "dup_employee_no"
    dup_national_id = "dup_national_id"
    unknown_org = "unknown_org"
    org_closed = "org_closed"
    org_not_in_union = "org_not_in_union"
    dup_national_id_on_record = "dup_national_id_on_record"
    member_out_of_scope = "member_out_of_scope"
    id_masked_new_member = "id_masked_new_member"
    id_masked_mismatch = "id_masked_mismatch"


class ImportRowError(Out):
    """One problem of one row. Values are never echoed (resident IDs in particular)."""

    row: int = Field(description="Spreadsheet row number: the header is row 1, the first record row 2.")
    field: str = Field(examples=["national_id"])
    kind: ImportErrorKind = Field(examples=["id_checksum"])
    message: str = Field(examples=["ID number check digit does not match"])
    message_zh: str = Field(examples=["身份证号校验码错误"])


class ImportCounts(Out):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


class ImportReport(Out):
    errors: list[ImportRowError] = Field(
        default_factory=list, description="The failed rows' problems, at most 1000 (see `errors_total`)."
    )
    errors_total: int = 0
    errors_truncated: bool = False
    planned: ImportCounts | None = Field(
        None,
        description="What the file would do — would create, would update, unchanged, failed — for dry runs "
        "and refused imports (their `*_count` stay 0: nothing was written).",
    )
    detail: str | None = Field(None, description="For a file that cannot be read: where and what.")


class MemberImportSummary(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    filename: str
    file_format: ImportFileFormat
    dry_run: bool
    on_error: ImportOnError
    status: ImportStatus
    phase: ImportPhase = ImportPhase.queued
    rows_total: int | None = Field(None, description="Records in the file, known after the validation pass.")
    rows_done: int = Field(0, description="Records handled in the current phase.")
    created_count: int = Field(description="Members created (0 in a dry run: see `report.planned`).")
    updated_count: int = Field(description="Members updated (0 in a dry run: see `report.planned`).")
    unchanged_count: int = Field(description="Rows with nothing to change (0 in a dry run).")
    failed_count: int = Field(description="Rows refused, with their problems in `report.errors`.")
    error_code: str | None = Field(
        None, description="Why a failed import failed, e.g. `import_rows_invalid`."
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class MemberImportOut(MemberImportSummary):
    report: ImportReport | None = None


# --- HR upsert ------------------------------------------------------------------------------------------

Tag = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^,;、|，；]+$")]


class MemberUpsert(StrictIn):
    """A member as the HR system knows them. Omitted fields keep their stored value; ``null`` clears an
    optional one. Gender and birth date are taken from the resident ID when omitted."""

    name: str = Field(min_length=1, max_length=100)
    national_id: str = Field(min_length=1, max_length=40, description="18-character resident ID (GB 11643).")
    gender: Gender | None = None
    birth_date: date | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    join_date: date | None = None
    org_unit_code: str | None = Field(
        None, max_length=40, description="The member's unit, inside `org_unit`'s subtree; default `org_unit`."
    )
    monthly_wage_fen: MoneyFen | None = Field(None, ge=0)
    is_representative: bool | None = None
    tags: list[Tag] | None = Field(None, max_length=20)
    notes: str | None = Field(None, max_length=1000)


class SyncedMemberOut(Out):
    """The member after an upsert; personal data minimised (ID and phone masked, no wage)."""

    id: uuid.UUID
    member_no: str
    employee_no: str
    org_unit_id: uuid.UUID
    name: str
    gender: Gender
    birth_date: date
    national_id_masked: str
    phone_masked: str | None
    join_date: date | None
    status: MemberStatusName
    is_representative: bool
    tags: list[str]
    version: int


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


class ExportLang(StrEnum):
    zh = "zh"
    en = "en"
