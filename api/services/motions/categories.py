"""The motion categories a union uses (docs/rules.md §3 [L]): data from configuration
(``GONGHUI_MOTION_CATEGORIES``), installed by ``create_app`` and checked when a motion is drafted or
edited. Process-wide like the membership policy: one deployment is one union's configuration.
"""

from __future__ import annotations

from collections.abc import Iterable

from api.errors import RuleViolation
from api.i18n import register
from api.schemas.motions import MotionCategory

register(
    {
        "motion_category_unknown": (
            "Unknown motion category {value}; this union uses: {allowed}.",
            "提案类别 {value} 不存在；本工会使用的类别：{allowed}。",
        ),
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
            "motion_category_unknown", field="category", value=code, allowed=", ".join(_categories)
        )
    return code
