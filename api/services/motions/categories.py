"""The motion categories a union uses (docs/rules.md §3 [L]): data from configuration
(``GONGHUI_MOTION_CATEGORIES``), installed by ``create_app`` and checked when a motion is drafted or
edited. Process-wide like the membership policy: one deployment is one union's configuration.
"""

from __future__ import annotations

from collections.abc import Iterable

from api.errors import RuleViolation
from api.i18n import _, register
from api.schemas.motions import MotionCategory

register(
    {
        "motion_category_unknown": _("Unknown motion category {value}; this union uses: {allowed}."),
    }
)

_categories: tuple[str, ...] = tuple(c.value for c in MotionCategory)


def install(categories: Iterable[str]) -> None:
    global _categories
    _categories = tuple(dict.fromkeys(categories))


def current() -> tuple[str, ...]:
    return _categories


def check(code: str) -> str:
    if code not in _categories:
        raise RuleViolation(
            "motion_category_unknown", field="category", value=code, allowed=list(_categories)
        )
    return code
