"""Rationalisation proposals (合理化建议) from any worker, and the campaigns that collect them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.db.models import RationalisationCampaign, RationalisationProposal
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, SettingsDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.rationalisation import (
    CampaignCreate,
    CampaignOut,
    CampaignReport,
    DecideIn,
    NotifyIn,
    ProposalCreate,
    ProposalOut,
    ProposalStatus,
    RewardIn,
    ScreenIn,
)
from api.services import rationalisation as service

router = APIRouter(route_class=Route, tags=["rationalisation"], responses=PROBLEM_RESPONSES)

CAMPAIGNS = "/rationalisation-campaigns"
PROPOSALS = "/rationalisation-proposals"


async def load_campaign(
    campaign_id: uuid.UUID, session: SessionDep, principal: Authorized
) -> RationalisationCampaign:
    return await db_call(session, service.get_campaign, session, campaign_id, principal)


async def load_proposal(
    proposal_id: uuid.UUID, session: SessionDep, principal: Authorized
) -> RationalisationProposal:
    return await db_call(session, service.get_proposal, session, proposal_id, principal)


CampaignDep = Annotated[RationalisationCampaign, Depends(load_campaign)]
ProposalDep = Annotated[RationalisationProposal, Depends(load_proposal)]


def _out(proposal: RationalisationProposal, response: Response) -> ProposalOut:
    set_etag(response, proposal)
    return ProposalOut.model_validate(proposal)


@router.post(
    CAMPAIGNS,
    response_model=CampaignOut,
    status_code=201,
    dependencies=[Depends(require("rationalisation.manage"))],
)
def rationalisation_campaigns_create(
    body: CampaignCreate, session: SessionDep, principal: Authorized, response: Response
) -> RationalisationCampaign:
    """Open a campaign (征集活动) of a union in your scope for a period."""
    campaign = service.create_campaign(session, body, by=principal)
    set_etag(response, campaign)
    response.headers["Location"] = f"/api/v1{CAMPAIGNS}/{campaign.id}"
    return campaign


@router.get(
    CAMPAIGNS, response_model=Page[CampaignOut], dependencies=[Depends(require("rationalisation.read"))]
)
def rationalisation_campaigns_list(
    session: SessionDep, principal: Authorized, page: PageQuery
) -> Page[CampaignOut]:
    """Campaigns in your scope; members see the campaigns of the unions over their unit."""
    items, next_cursor = service.list_campaigns(session, principal, limit=page.limit, cursor=page.cursor)
    return Page(items=[CampaignOut.model_validate(c) for c in items], next_cursor=next_cursor)


@router.get(
    f"{CAMPAIGNS}/{{campaign_id}}",
    response_model=CampaignOut,
    dependencies=[Depends(require("rationalisation.read"))],
)
def rationalisation_campaigns_get(campaign: CampaignDep, response: Response) -> RationalisationCampaign:
    """One campaign."""
    set_etag(response, campaign)
    return campaign


@router.get(
    f"{CAMPAIGNS}/{{campaign_id}}/report",
    response_model=CampaignReport,
    dependencies=[Depends(require("rationalisation.report"))],
)
def rationalisation_campaigns_report(campaign: CampaignDep, session: SessionDep) -> CampaignReport:
    """The campaign's report: proposals by status, adopted and the adoption rate, benefit and rewards
    in fen, answers overdue. For the union's chair, officers and auditors."""
    return service.report(session, campaign)


@router.post(
    PROPOSALS,
    response_model=ProposalOut,
    status_code=201,
    dependencies=[Depends(require("rationalisation.submit"))],
)
def rationalisation_proposals_submit(
    body: ProposalCreate, session: SessionDep, principal: Authorized, response: Response
) -> ProposalOut:
    """Submit your own proposal (any member, not only congress representatives), within the period of
    the campaign if you name one (422 `rationalisation_campaign_closed`)."""
    proposal = service.submit(session, body, by=principal)
    response.headers["Location"] = f"/api/v1{PROPOSALS}/{proposal.id}"
    return _out(proposal, response)


@router.get(
    PROPOSALS, response_model=Page[ProposalOut], dependencies=[Depends(require("rationalisation.read"))]
)
def rationalisation_proposals_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    status: ProposalStatus | None = None,
    campaign_id: uuid.UUID | None = None,
) -> Page[ProposalOut]:
    """Proposals you may see, newest first: chairs, officers and auditors by scope, handlers those
    forwarded to their departments, members their own."""
    items, next_cursor = service.list_proposals(
        session, principal, limit=page.limit, cursor=page.cursor, status=status, campaign_id=campaign_id
    )
    return Page(items=[ProposalOut.model_validate(p) for p in items], next_cursor=next_cursor)


@router.get(
    f"{PROPOSALS}/{{proposal_id}}",
    response_model=ProposalOut,
    dependencies=[Depends(require("rationalisation.read"))],
)
def rationalisation_proposals_get(proposal: ProposalDep, response: Response) -> ProposalOut:
    """One proposal; the ETag carries its version."""
    return _out(proposal, response)


@router.post(
    f"{PROPOSALS}/{{proposal_id}}/screen",
    response_model=ProposalOut,
    dependencies=[Depends(require("rationalisation.manage"))],
)
def rationalisation_proposals_screen(
    proposal: ProposalDep,
    body: ScreenIn,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> ProposalOut:
    """An officer screens it (recorded by name): `forward` to a department of the worker's union
    (due in `GONGHUI_RATIONALISATION_REPLY_MONTHS`, 2; `is_major`: `..._MAJOR_REPLY_MONTHS`, 3) or
    `reject` with the reason. Not your own proposal."""
    proposal = service.screen(session, proposal, body, version=version, settings=settings, by=principal)
    return _out(proposal, response)


@router.post(
    f"{PROPOSALS}/{{proposal_id}}/decide",
    response_model=ProposalOut,
    dependencies=[Depends(require("rationalisation.decide"))],
)
def rationalisation_proposals_decide(
    proposal: ProposalDep,
    body: DecideIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> ProposalOut:
    """The department concerned answers (its handlers): adopted, with the benefit, or not."""
    proposal = service.decide(session, proposal, body, version=version, by=principal)
    return _out(proposal, response)


@router.post(
    f"{PROPOSALS}/{{proposal_id}}/notify",
    response_model=ProposalOut,
    dependencies=[Depends(require("rationalisation.manage"))],
)
def rationalisation_proposals_notify(
    proposal: ProposalDep,
    body: NotifyIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> ProposalOut:
    """Record that the worker was told the result (screened out, adopted or not); closes it."""
    proposal = service.notify(session, proposal, body, version=version, by=principal)
    return _out(proposal, response)


@router.post(
    f"{PROPOSALS}/{{proposal_id}}/reward",
    response_model=ProposalOut,
    dependencies=[Depends(require("rationalisation.manage"))],
)
def rationalisation_proposals_reward(
    proposal: ProposalDep,
    body: RewardIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> ProposalOut:
    """Record the reward of an adopted proposal (in fen, with a note)."""
    proposal = service.reward(session, proposal, body, version=version, by=principal)
    return _out(proposal, response)
