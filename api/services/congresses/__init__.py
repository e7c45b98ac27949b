"""Workers' congresses, who their representatives are, and the departments that answer motions
(docs/rules.md §3).

Representatives are computed, not copied: members flagged as representatives within the congress
unit's subtree whose status still carries a vote (retained members lose it, docs/rules.md §1 [L]), plus
the members an officer added for this congress, minus those removed. A member record changing status
changes the list at once.

The service is a package split by responsibility: :mod:`.common` (messages, clock, shared checks),
:mod:`.meetings`, :mod:`.representatives` and :mod:`.departments`; this module re-exports the public
names. The clock is :func:`.common.today`: every caller goes through ``common.today()`` so tests can
replace it in one place.
"""

from __future__ import annotations

from api.services.congresses.common import (
    CHINA,
    CONGRESS_FIELDS,
    DEPARTMENT_FIELDS,
    SCOPE_READERS,
    add_months,
    is_opened,
    roots,
    today,
    units_over_member,
)
from api.services.congresses.departments import (
    add_handler,
    create_department,
    department_serves,
    department_visibility,
    get_department,
    handler_department_ids,
    list_departments,
    present_departments,
    remove_handler,
    update_department,
)
from api.services.congresses.meetings import congress_visibility, create, get_visible, list_congresses, update
from api.services.congresses.representatives import (
    add_representative,
    is_representative,
    list_representatives,
    remove_representative,
    representative_clause,
)

__all__ = [
    "CHINA",
    "CONGRESS_FIELDS",
    "DEPARTMENT_FIELDS",
    "SCOPE_READERS",
    "add_handler",
    "add_months",
    "add_representative",
    "congress_visibility",
    "create",
    "create_department",
    "department_serves",
    "department_visibility",
    "get_department",
    "get_visible",
    "handler_department_ids",
    "is_opened",
    "is_representative",
    "list_congresses",
    "list_departments",
    "list_representatives",
    "present_departments",
    "remove_handler",
    "remove_representative",
    "representative_clause",
    "roots",
    "today",
    "units_over_member",
    "update",
    "update_department",
]
