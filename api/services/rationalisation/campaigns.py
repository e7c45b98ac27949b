"""Campaigns (征集活动): a grassroots union's call for proposals over a period, and its report
(SQL aggregates: counts by status, adoption, benefit and rewards, overdue answers)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from api.db.models import OrgUnit, RationalisationCampaign
from api.db.models import RationalisationProposal as P
from api.errors import RuleViolation
from api.i18n import _, register
from api.schemas.rationalisation import CampaignCreate, CampaignReport, ProposalStatus
from api.security.principal import Principal
from api.services import audit
from api.services.congresses import common as congresses_common
from api.services.pagination import keyset
from api.services.rationalisation.visibility import c, campaigns
from api.services.scope import unit_within

register({"rationalisation_campaign_dates": _("The campaign ends before it starts.")})


def create(session: Session, data: CampaignCreate, *, by: Principal) -> RationalisationCampaign:
    unit = session.get(OrgUnit, data.org_unit_id)
    if unit is None or not unit_within(session, unit.id, by.units_for()):
        raise RuleViolation("not_found", field="org_unit_id")
    if data.ends_on < data.starts_on:
        raise RuleViolation("rationalisation_campaign_dates", field="ends_on")
    campaign = RationalisationCampaign(
        org_unit_id=unit.id,
        title=data.title,
        theme=data.theme,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by_id=by.user_id,
    )
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        by,
        "rationalisation.campaign_created",
        entity_type="rationalisation_campaign",
        entity_id=campaign.id,
        org_unit_id=unit.id,
        changes={"after": {"title": data.title, "starts_on": data.starts_on, "ends_on": data.ends_on}},
    )
    session.commit()
    return campaign


def list_campaigns(
    session: Session, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[RationalisationCampaign], str | None]:
    stmt = select(RationalisationCampaign).where(campaigns(principal))
    return keyset(
        session, stmt, keys=[c(RationalisationCampaign.id)], limit=limit, cursor=cursor, descending=True
    )


def report(session: Session, campaign: RationalisationCampaign) -> CampaignReport:
    as_of = congresses_common.today()
    of = c(P.campaign_id) == campaign.id
    by_status = {
        s: n
        for s, n in session.execute(
            select(c(P.status), sa.func.count()).where(of).group_by(c(P.status))
        ).all()
    }
    adopted, benefit, rewarded, reward, overdue = session.execute(
        sa.select(
            sa.func.sum(sa.case((c(P.adopted).is_(True), 1), else_=0)),
            sa.func.sum(sa.case((c(P.adopted).is_(True), sa.func.coalesce(c(P.benefit_fen), 0)), else_=0)),
            sa.func.sum(sa.case((c(P.reward_fen).is_not(None), 1), else_=0)),
            sa.func.sum(sa.func.coalesce(c(P.reward_fen), 0)),
            sa.func.sum(
                sa.case(
                    (sa.and_(c(P.status) == ProposalStatus.forwarded.value, c(P.due_on) < as_of), 1), else_=0
                )
            ),
        ).where(of)
    ).one()
    submitted = sum(by_status.values())
    decided = sum(by_status.get(s.value, 0) for s in (ProposalStatus.adopted, ProposalStatus.not_adopted))
    decided += session.execute(
        select(sa.func.count()).where(
            of, c(P.status) == ProposalStatus.closed.value, c(P.adopted).is_not(None)
        )
    ).scalar_one()
    return CampaignReport(
        campaign_id=campaign.id,
        title=campaign.title,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        as_of=as_of,
        submitted=submitted,
        by_status=by_status,
        adopted=int(adopted or 0),
        adoption_rate=round(int(adopted or 0) / decided, 4) if decided else None,
        benefit_fen=int(benefit or 0),
        rewarded=int(rewarded or 0),
        reward_fen=int(reward or 0),
        overdue=int(overdue or 0),
    )
