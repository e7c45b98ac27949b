"""Collective contracts (集体合同规定, 劳动和社会保障部令第22号, 2004; 劳动合同法 Art 51-56): the
national rules as data and pure computations, no database.

Every period and threshold the service applies is in :data:`RULES` with the article it comes from;
the only choice the text leaves open ("more than half" read as ``>`` or ``>=``, Art 36) is the setting
``GONGHUI_NEGOTIATION_VOTE_MAJORITY``.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class Topic:
    code: str
    zh: str
    en: str


#: 令22 Art 8: what a (special) collective contract may cover; each clause belongs to one topic
TOPICS: tuple[Topic, ...] = (
    Topic("pay", "劳动报酬", "pay"),
    Topic("hours", "工作时间", "working hours"),
    Topic("rest", "休息休假", "rest and leave"),
    Topic("safety_health", "劳动安全与卫生", "labour safety and health"),
    Topic("insurance_welfare", "补充保险和福利", "supplementary insurance and welfare"),
    Topic("women_minors", "女职工和未成年工特殊保护", "special protection of women and minors"),
    Topic("training", "职业技能培训", "vocational training"),
    Topic("contract_management", "劳动合同管理", "labour-contract management"),
    Topic("rewards_penalties", "奖惩", "rewards and penalties"),
    Topic("layoffs", "裁员", "layoffs"),
    Topic("term", "集体合同期限", "term of the collective contract"),
    Topic("change_procedure", "变更、解除集体合同的程序", "procedure to change or end the contract"),
    Topic("dispute_handling", "履行集体合同发生争议时的协商处理办法", "handling disputes over performance"),
    Topic("liability", "违反集体合同的责任", "liability for breach"),
    Topic("other", "双方认为应当协商的其他内容", "other matters both sides want to negotiate"),
)
TOPIC_CODES = frozenset(t.code for t in TOPICS)


class Majority(StrEnum):
    """令22 Art 36 "全体职工代表半数以上同意": read as strictly more than half, or at least half."""

    more_than_half = "more_than_half"
    at_least_half = "at_least_half"


@dataclass(frozen=True)
class ContractRules:
    """The periods and thresholds of 令22, each with its article."""

    #: Art 19: each side has at least this many negotiators (equal numbers, one chief each)
    min_negotiators_per_side: int = 3
    #: Art 23: outside professionals are at most this fraction of a side (1/3), never the chief
    expert_share_numerator: int = 1
    expert_share_denominator: int = 3
    #: Art 31: a vacancy is filled within this many days
    vacancy_days: int = 15
    #: Art 32: the written reply to a proposal is due this many days after receipt
    reply_days: int = 20
    #: Art 36: at least 2/3 of the representatives (or workers) present
    quorum_numerator: int = 2
    quorum_denominator: int = 3
    #: Art 38: term 1-3 years
    term_min_months: int = 12
    term_max_months: int = 36
    #: Art 38: either side may ask to renew in the last 3 months of the term
    renewal_window_months: int = 3
    #: Art 42: filed with the labour authority within 10 days of signing
    filing_days: int = 10
    #: Art 46-47: the authority may object within 15 days of receipt; otherwise effective then
    review_days: int = 15
    #: Art 49-54: coordination settled within 30 days of accepting the application ...
    coordination_days: int = 30
    #: ... extendable once, by at most 15 days
    coordination_extension_days: int = 15


RULES = ContractRules()


def add_months(day: date, months: int) -> date:
    """``day`` plus (or minus) whole months, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reply_due(received_on: date, rules: ContractRules = RULES) -> date:
    """令22 Art 32: the written reply is due within 20 days of receiving the proposal."""
    return received_on + timedelta(days=rules.reply_days)


def vacancy_due(left_on: date, rules: ContractRules = RULES) -> date:
    """令22 Art 31: a vacancy is filled within 15 days of arising."""
    return left_on + timedelta(days=rules.vacancy_days)


def filing_due(signed_on: date, rules: ContractRules = RULES) -> date:
    """令22 Art 42: filed within 10 days of the chiefs' signing."""
    return signed_on + timedelta(days=rules.filing_days)


def effective_from(received_on: date, rules: ContractRules = RULES) -> date:
    """令22 Art 47: with no objection within 15 days of receipt, effective on day 15."""
    return received_on + timedelta(days=rules.review_days)


def term_dates(effective_on: date, term_months: int, rules: ContractRules = RULES) -> tuple[date, date]:
    """令22 Art 38: (last day of the term, first day of the renewal window = 3 months before expiry)."""
    expires_on = add_months(effective_on, term_months) - timedelta(days=1)
    return expires_on, add_months(expires_on, -rules.renewal_window_months)


def term_allowed(term_months: int, rules: ContractRules = RULES) -> bool:
    """令22 Art 38: a term of 1 to 3 years."""
    return rules.term_min_months <= term_months <= rules.term_max_months


def coordination_due(applied_on: date, extension_days: int | None, rules: ContractRules = RULES) -> date:
    """令22 Art 49-54: 30 days from the application, plus an extension of at most 15."""
    return applied_on + timedelta(days=rules.coordination_days + (extension_days or 0))


@dataclass(frozen=True)
class VoteResult:
    quorate: bool
    majority: bool

    @property
    def adopted(self) -> bool:
        return self.quorate and self.majority


def vote_result(
    total: int, present: int, yes: int, majority: Majority, rules: ContractRules = RULES
) -> VoteResult:
    """令22 Art 36: at least 2/3 of all representatives present, and more than half of ALL
    representatives (not of those present) in favour; ``at_least_half`` reads it as ``>=``."""
    quorate = present * rules.quorum_denominator >= total * rules.quorum_numerator and total > 0
    passed = yes * 2 > total if majority is Majority.more_than_half else yes * 2 >= total
    return VoteResult(quorate=quorate, majority=passed)


class Side(StrEnum):
    employee = "employee"
    employer = "employer"


@dataclass(frozen=True)
class Seat:
    """A serving negotiator as the composition rules see it."""

    side: Side
    name: str
    member_id: str | None
    is_chief: bool
    is_expert: bool


def composition_problems(seats: Sequence[Seat], rules: ContractRules = RULES) -> list[str]:
    """令22 Art 19-24, over the serving negotiators: equal numbers, at least 3 a side, exactly one chief
    each, outside experts at most 1/3 of a side and never chief, nobody on both sides. Returns the
    codes of the rules broken (empty: the composition is valid)."""
    problems: list[str] = []
    sides = {side: [s for s in seats if s.side is side] for side in Side}
    counts = {side: len(members) for side, members in sides.items()}
    if min(counts.values()) < rules.min_negotiators_per_side:
        problems.append("negotiation_too_few_negotiators")
    if counts[Side.employee] != counts[Side.employer]:
        problems.append("negotiation_unequal_sides")
    for members in sides.values():
        if sum(1 for s in members if s.is_chief) != 1:
            problems.append("negotiation_one_chief_per_side")
            break
    for members in sides.values():
        experts = sum(1 for s in members if s.is_expert)
        if experts * rules.expert_share_denominator > len(members) * rules.expert_share_numerator:
            problems.append("negotiation_too_many_experts")
            break
    if any(s.is_chief and s.is_expert for s in seats):
        problems.append("negotiation_expert_chief")
    if on_both_sides(sides[Side.employee], sides[Side.employer]):
        problems.append("negotiation_on_both_sides")
    return problems


def _identity(seat: Seat) -> str:
    return f"m:{seat.member_id}" if seat.member_id else f"n:{''.join(seat.name.split())}"


def on_both_sides(employees: Sequence[Seat], employers: Sequence[Seat]) -> bool:
    """令22 Art 24: the same person cannot negotiate for both sides (same member, or same name)."""
    left = {_identity(s) for s in employees} | {f"n:{''.join(s.name.split())}" for s in employees}
    right = {_identity(s) for s in employers} | {f"n:{''.join(s.name.split())}" for s in employers}
    return bool(left & right)
