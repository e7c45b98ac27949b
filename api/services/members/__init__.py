"""Member records (docs/rules.md §1): create, read, update and list members, run their lifecycle, give them
an account, and let them see and correct their own contact details.

Reusable by the other member areas (transfers, dues, imports, HR upsert, export):

* :func:`scope_filter` / :func:`list_stmt` — the caller's readable members as SQL, with the list filters;
* :func:`get_in_scope` — load one member within the route permission's scope, else 404;
* :func:`to_out` / :func:`to_outs` — the view of a member the caller may see (masking, names only);
* :func:`record_event` — apply one lifecycle transition (status, event, audit, change feed; no commit);
* :func:`check_national_id` / :func:`check_employee_no` — the ID and HR-key rules.

The service is a package split by responsibility: :mod:`.rules` (messages and shared checks),
:mod:`.reading`, :mod:`.writing` and :mod:`.accounts`; this module re-exports the public names.
"""

from __future__ import annotations

from api.rules.lapse import LAPSE_MONTHS
from api.services.members.accounts import create_account, get_own, own_out, update_contact
from api.services.members.reading import (
    SMALL_SUBTREE_UNITS,
    MemberFilters,
    Visibility,
    get_in_scope,
    get_view_in_scope,
    get_view_values_in_scope,
    list_events,
    list_member_values,
    list_members,
    list_stmt,
    scope_filter,
    subtree_filter,
    tags_of,
    to_out,
    to_out_one,
    to_outs,
    unit_filter,
    visibility,
)
from api.services.members.rules import (
    ACCOUNT_STATUSES,
    AUDITED_FIELDS,
    TRANSFER_ACTIONS,
    check_employee_no,
    check_national_id,
    parse_national_id,
)
from api.services.members.writing import change_status, create, read_national_id, record_event, update

__all__ = [
    "ACCOUNT_STATUSES",
    "AUDITED_FIELDS",
    "LAPSE_MONTHS",
    "SMALL_SUBTREE_UNITS",
    "TRANSFER_ACTIONS",
    "MemberFilters",
    "Visibility",
    "change_status",
    "check_employee_no",
    "check_national_id",
    "create",
    "create_account",
    "get_in_scope",
    "get_own",
    "get_view_in_scope",
    "get_view_values_in_scope",
    "list_events",
    "list_member_values",
    "list_members",
    "list_stmt",
    "own_out",
    "parse_national_id",
    "read_national_id",
    "record_event",
    "scope_filter",
    "subtree_filter",
    "tags_of",
    "to_out",
    "to_out_one",
    "to_outs",
    "unit_filter",
    "update",
    "update_contact",
    "visibility",
]
