"""The membership values docs/rules.md §1 marks as local practice [L], as one policy object.

Owns: which statuses vote (and may be congress representatives), whether a withdrawn member may apply
again, and the dues rate and floor unit. ``create_app`` installs the policy from ``Settings``
(``GONGHUI_MEMBER_VOTING_STATUSES``, ``GONGHUI_MEMBER_REJOIN_ALLOWED``, ``GONGHUI_DUES_RATE``,
``GONGHUI_DUES_FLOOR_UNIT_FEN``); services read it with :func:`current`. It is process-wide like the
task providers: one deployment is one union's configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from api.config import Settings
from api.rules.dues import DEFAULT_DUES_RATE, DEFAULT_FLOOR_UNIT_FEN, Rounding
from api.services.member_core import VOTING

__all__ = ["MembershipPolicy", "current", "install"]


@dataclass(frozen=True)
class MembershipPolicy:
    #: statuses whose members vote; retained members lose voting rights by default [L: Beijing 2020]
    voting: frozenset[str] = field(default_factory=lambda: frozenset(s.value for s in VOTING))
    #: withdrawn -> applied (may re-join) [L]
    rejoin_allowed: bool = True
    #: 0.5 % of the wage, ignoring the part under 10 yuan [L]
    dues_rate: Decimal = DEFAULT_DUES_RATE
    dues_floor_unit_fen: int = DEFAULT_FLOOR_UNIT_FEN
    #: rounding of the dues to the fen [?] (also passed explicitly by the dues routes)
    dues_rounding: Rounding = "half_up"

    @classmethod
    def from_settings(cls, settings: Settings) -> MembershipPolicy:
        return cls(
            voting=frozenset(settings.member_voting_statuses),
            rejoin_allowed=settings.member_rejoin_allowed,
            dues_rate=settings.dues_rate,
            dues_floor_unit_fen=settings.dues_floor_unit_fen,
            dues_rounding=settings.dues_rounding,
        )


_policy = MembershipPolicy()


def install(policy: MembershipPolicy) -> None:
    """Make ``policy`` the one services read (``create_app`` does this from its settings)."""
    global _policy
    _policy = policy


def current() -> MembershipPolicy:
    return _policy
