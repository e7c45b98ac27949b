"""Collective-contract negotiation closed sets: the StrEnums of kinds, topics, statuses, sides,
decisions, outcomes, disputes and forums; re-exported by :mod:`api.schemas.negotiations`."""

from __future__ import annotations

from enum import StrEnum


class NegotiationKind(StrEnum):
    comprehensive = "comprehensive"  # 综合性集体合同
    special = "special"  # 专项集体合同 (劳动合同法 Art 52)
    industry = "industry"  # 行业性 (Art 53)
    regional = "regional"  # 区域性 (Art 53)


class SpecialTopic(StrEnum):
    wages = "wages"  # 工资专项 (wage adjustment mechanism)
    women = "women"  # 女职工权益保护专项
    safety = "safety"  # 劳动安全卫生专项


class Purpose(StrEnum):
    new = "new"
    amendment = "amendment"  # 变更
    renewal = "renewal"  # 续订


class Initiator(StrEnum):
    union = "union"
    employer = "employer"


class NegotiationStatus(StrEnum):
    """Stored steps, then the phases a filed contract passes through by date alone (令22 Art 47, 38)."""

    proposed = "proposed"  # awaiting the written reply (Art 32)
    refused = "refused"
    negotiating = "negotiating"
    suspended = "suspended"  # Art 35
    agreed = "agreed"  # draft agreed by the negotiators, before the vote
    adopted = "adopted"  # passed by the congress (Art 36)
    signed = "signed"  # by both chiefs (Art 37); filing due in 10 days
    under_review = "under_review"  # filed; the authority has 15 days (Art 46-47)
    effective = "effective"
    renewal_window = "renewal_window"  # the last 3 months of the term (Art 38)
    expired = "expired"
    superseded = "superseded"  # an amendment or renewal took effect


class Topic(StrEnum):
    """令22 Art 8 (codes of api.rules.collective_contracts.TOPICS)."""

    pay = "pay"
    hours = "hours"
    rest = "rest"
    safety_health = "safety_health"
    insurance_welfare = "insurance_welfare"
    women_minors = "women_minors"
    training = "training"
    contract_management = "contract_management"
    rewards_penalties = "rewards_penalties"
    layoffs = "layoffs"
    term = "term"
    change_procedure = "change_procedure"
    dispute_handling = "dispute_handling"
    liability = "liability"
    other = "other"


class Side(StrEnum):
    employee = "employee"
    employer = "employer"


class ReplyDecision(StrEnum):
    accept = "accept"
    refuse = "refuse"


class SessionOutcome(StrEnum):
    continued = "continue"
    suspended = "suspended"
    agreed = "agreed"  # the negotiators reached agreement in this session


class Electorate(StrEnum):
    congress = "congress"  # 职工代表大会
    all_workers = "all_workers"  # 全体职工 (small unions)


class DisputeKind(StrEnum):
    coordination = "coordination"  # negotiation dispute, coordination by the authority (令22 Art 49-54)
    breach = "breach"  # breach of an effective contract (劳动合同法 Art 56)


class DisputeStatus(StrEnum):
    open = "open"
    settled = "settled"
    referred = "referred"


class Forum(StrEnum):
    arbitration = "arbitration"
    court = "court"


class OverdueKind(StrEnum):
    reply = "reply"
    vacancy = "vacancy"
    filing = "filing"
    dispute = "dispute"


class NegotiationEventKind(StrEnum):
    """What a negotiation timeline entry records (``negotiation_event.kind``)."""

    proposed = "proposed"
    replied = "replied"
    negotiator_added = "negotiator_added"
    negotiator_replaced = "negotiator_replaced"
    negotiator_left = "negotiator_left"
    session_held = "session_held"
    suspended = "suspended"
    resumed = "resumed"
    draft_saved = "draft_saved"
    agreed = "agreed"
    adopted = "adopted"
    vote_failed = "vote_failed"
    signed = "signed"
    filed = "filed"
    objected = "objected"
    effective = "effective"
    published = "published"
    checked = "checked"
    dispute_opened = "dispute_opened"
    dispute_extended = "dispute_extended"
    dispute_settled = "dispute_settled"
    dispute_referred = "dispute_referred"
