"""Bulk member imports from HR files, and the HR upsert by employee number (docs/rules.md §1; issue 3).

An import streams the file in batches and never holds all rows:

1. **counting**: the file is read once, without normalising, for the total (progress) and so that a
   damaged header or encoding is found before any transaction is opened.
2. **writing**, in ONE transaction: every row is normalised (``api.imports.members``), checked for
   repeats within the file, its org unit resolved (one query per batch, cached) and checked against the
   records on file (employee number within the grassroots union -> update; an ID number on record for
   somebody else -> error); then the batch's updates, and its new members, lifecycle events and
   change-feed entries as bulk inserts (binary ``COPY`` in a background thread on the same connection
   on PostgreSQL, overlapping the next batch's checks: :mod:`.runner`), and one audit event for the
   whole import. A crash anywhere rolls everything back, so an import is all there or not there at
   all. A dry run does the same checks in a read-only session instead (phase "validating").

``on_error=abort`` (the default) writes nothing when any row failed; ``on_error=skip`` writes the good
rows. The report lists every failed row (row, field, kind, message) up to :data:`MAX_REPORTED_ERRORS`,
never a value from the file. Jobs get ids and a file path, never a request's session; progress is
committed from a separate session (and kept in process memory, since SQLite cannot commit progress
while the import holds its write lock).

The service is a package split by responsibility: :mod:`.planning` (row planning), :mod:`.writing`
(bulk writes), :mod:`.progress` (report tally and thread-shared progress), :mod:`.processes` (which
process runs a job; reaping dead ones), :mod:`.runner` (the job runner), :mod:`.jobs` (upload, create,
run, read: the use cases) and :mod:`.hr_upsert` (HR upsert). This module re-exports the public names.
"""

from __future__ import annotations

from api.services.member_imports.hr_upsert import UPSERT_AUDITED, synced_view, upsert
from api.services.member_imports.jobs import (
    INLINE_MAX_BYTES,
    MAX_UPLOAD_BYTES,
    ImportStarted,
    PayloadTooLarge,
    StoredUpload,
    check_header,
    create_job,
    find_existing,
    get_in_scope,
    import_file_as_system,
    import_unit,
    list_jobs,
    start_import,
    store_upload,
    system_import_unit,
    view,
)
from api.services.member_imports.planning import (
    DB_KIND_MESSAGES,
    EVENT,
    IMPORT,
    MEMBER,
    MUTABLE,
    TAG,
    Authoritative,
    import_authority,
    load_context,
    plan_batch,
)
from api.services.member_imports.processes import mark_interrupted, reap_interrupted, this_process
from api.services.member_imports.progress import MAX_REPORTED_ERRORS, ProgressCallback, _live, live_progress
from api.services.member_imports.runner import (
    BATCH_SIZE,
    SQLITE_IMPORT_CACHE_KIB,
    log,
    remove_file,
    run_import,
    run_import_job,
)
from api.services.member_imports.writing import ConcurrentChange, write_batch

__all__ = [
    "BATCH_SIZE",
    "DB_KIND_MESSAGES",
    "EVENT",
    "IMPORT",
    "INLINE_MAX_BYTES",
    "MAX_REPORTED_ERRORS",
    "MAX_UPLOAD_BYTES",
    "MEMBER",
    "MUTABLE",
    "SQLITE_IMPORT_CACHE_KIB",
    "TAG",
    "UPSERT_AUDITED",
    "Authoritative",
    "ConcurrentChange",
    "ImportStarted",
    "PayloadTooLarge",
    "ProgressCallback",
    "StoredUpload",
    "_live",
    "check_header",
    "create_job",
    "find_existing",
    "get_in_scope",
    "import_authority",
    "import_file_as_system",
    "import_unit",
    "list_jobs",
    "live_progress",
    "load_context",
    "log",
    "mark_interrupted",
    "plan_batch",
    "reap_interrupted",
    "remove_file",
    "run_import",
    "run_import_job",
    "start_import",
    "store_upload",
    "synced_view",
    "system_import_unit",
    "this_process",
    "upsert",
    "view",
    "write_batch",
]
