from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from api.db.models import Negotiation
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, SettingsDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.rules.collective_contracts import TOPICS
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.negotiations import (
    AgreeIn,
    CheckIn,
    CoverageReport,
    DisputeCreate,
    DraftCreate,
    DraftDiff,
    DraftOut,
    DraftSummary,
    ExtendIn,
    FileIn,
    NegotiationCreate,
    NegotiationDetail,
    NegotiationEventOut,
    NegotiationKind,
    NegotiationOut,
    NegotiationStatus,
    NegotiatorIn,
    ObjectionIn,
    OverdueKind,
    ProposalReplyIn,
    PublishIn,
    ReferIn,
    SessionCreate,
    SettleIn,
    SignIn,
    Topic,
    TopicOut,
    VacateIn,
    VoteIn,
)
from api.schemas.negotiations_out import NegotiationSessionPage
from api.services.negotiations import (
    aftercare,
    documents,
    meetings,
    parties,
    path,
    presenters,
    reports,
    visibility,
)
from api.services.pagination import page_of

router = APIRouter(
    route_class=Route, prefix="/negotiations", tags=["negotiations"], responses=PROBLEM_RESPONSES
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
READ = [Depends(require("negotiations.read"))]
MANAGE = [Depends(require("negotiations.manage"))]


async def load_negotiation(
    negotiation_id: uuid.UUID, session: SessionDep, principal: Authorized
) -> Negotiation:
    return await db_call(session, visibility.get_visible, session, negotiation_id, principal)


async def load_staff_negotiation(
    negotiation_id: uuid.UUID, session: SessionDep, principal: Authorized
) -> Negotiation:
    return await db_call(session, visibility.get_for_staff, session, negotiation_id, principal)


NegotiationDep = Annotated[Negotiation, Depends(load_negotiation)]
#: the working records: chairs, officers and auditors in scope (members reading a contract get 404)
StaffNegotiationDep = Annotated[Negotiation, Depends(load_staff_negotiation)]


def _out(session: SessionDep, negotiation: Negotiation, response: Response) -> NegotiationOut:
    set_etag(response, negotiation)
    return presenters.present_one(session, negotiation)


@router.get("", response_model=Page[NegotiationOut], dependencies=READ)
def negotiations_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    status: Annotated[
        NegotiationStatus | None, Query(description="Phase, derived by date once filed (e.g. `effective`).")
    ] = None,
    kind: NegotiationKind | None = None,
    under: Annotated[uuid.UUID | None, Query(description="Conducted within this unit's subtree.")] = None,
    overdue: Annotated[
        OverdueKind | None,
        Query(description="Only those with an overdue reply, vacancy, filing or coordination."),
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in title or employer name.")] = None,
) -> Page[NegotiationOut]:
    """Negotiations the caller can see, oldest first. Chairs, officers and auditors: those of the
    unions in their subtrees; members: published contracts that cover them."""
    items, next_cursor = visibility.list_negotiations(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        status=status,
        kind=kind,
        under=under,
        overdue=overdue,
        q=q,
    )
    return Page(items=presenters.present(session, items), next_cursor=next_cursor)


@router.post("", response_model=NegotiationOut, status_code=201, dependencies=MANAGE)
def negotiations_create(
    body: NegotiationCreate, session: SessionDep, principal: Authorized, response: Response
) -> NegotiationOut:
    """Record a written proposal to negotiate (要约, 令22 Art 32), made by either side; the reply is
    due 20 days after receipt. With `parent_id`, an amendment or (in the last 3 months) a renewal of
    a contract in force, which follows the same path."""
    negotiation = path.create(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/negotiations/{negotiation.id}"
    return _out(session, negotiation, response)


@router.get("/topics", response_model=Page[TopicOut], dependencies=READ)
def negotiations_topics(page: PageQuery) -> Page[TopicOut]:
    """The topics a collective contract may cover (令22 Art 8); every clause belongs to one. By code,
    paged like every list (the catalogue is short: one page of the default size holds it)."""
    topics = [TopicOut(code=Topic(t.code), zh=t.zh, en=t.en) for t in TOPICS]
    items, next_cursor = page_of(topics, key=lambda t: t.code.value, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/coverage-report",
    response_model=CoverageReport,
    dependencies=READ,
    responses={200: {"content": {XLSX: {}}, "description": "JSON, or XLSX with `format=xlsx`."}},
)
def negotiations_coverage_report(
    session: SessionDep,
    principal: Authorized,
    unit_id: Annotated[uuid.UUID, Query(description="The federation (or union) whose subtree to report on.")],
    fmt: Annotated[
        Literal["json", "xlsx"], Query(alias="format", description="`xlsx` for a workbook.")
    ] = "json",
) -> CoverageReport | Response:
    """Units and members covered by a contract in force, by kind; contracts expiring within 3 months;
    overdue replies, vacancies and filings; wage figures of contracts in force. Chairs, officers and
    auditors over the unit."""
    report = reports.coverage(session, unit_id, by=principal)
    if fmt == "xlsx":
        return Response(
            reports.coverage_xlsx(report),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="coverage-{unit_id}.xlsx"'},
        )
    return report


@router.get("/{negotiation_id}", response_model=NegotiationDetail, dependencies=READ)
def negotiations_get(
    negotiation: NegotiationDep, session: SessionDep, principal: Authorized, response: Response
) -> NegotiationDetail:
    """One negotiation with its deadlines, negotiators, votes, checks, disputes and the agreed text.
    Members see published contracts covering them, without the working records."""
    set_etag(response, negotiation)
    staff = visibility.is_staff_for(session, negotiation, principal)
    return presenters.detail(session, negotiation, staff=staff)


@router.get("/{negotiation_id}/timeline", response_model=Page[NegotiationEventOut], dependencies=READ)
def negotiations_timeline(
    negotiation: StaffNegotiationDep, session: SessionDep, page: PageQuery
) -> Page[NegotiationEventOut]:
    """Every step, oldest first: who recorded what, on which date, from which status to which (paged
    like every list)."""
    items, next_cursor = presenters.timeline(session, negotiation, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.post("/{negotiation_id}/reply", response_model=NegotiationOut, dependencies=MANAGE)
def negotiations_reply(
    negotiation: StaffNegotiationDep,
    body: ProposalReplyIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Record the written reply (令22 Art 32): accept (talks begin) or refuse with a reason. A reply
    after 20 days is recorded as late."""
    negotiation = path.reply(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post(
    "/{negotiation_id}/negotiators", response_model=NegotiationOut, status_code=201, dependencies=MANAGE
)
def negotiations_negotiators_add(
    negotiation: StaffNegotiationDep,
    body: NegotiatorIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Appoint a negotiator of either side (the union records the employer's side: names, posts), or
    fill a vacancy with `replaces_id` (令22 Art 19-24, 28, 31)."""
    parties.add(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post(
    "/{negotiation_id}/negotiators/{negotiator_id}/vacate", response_model=NegotiationOut, dependencies=MANAGE
)
def negotiations_negotiators_vacate(
    negotiation: StaffNegotiationDep,
    negotiator_id: uuid.UUID,
    body: VacateIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """A negotiator leaves; the vacancy is to be filled within 15 days (令22 Art 31)."""
    parties.vacate(session, negotiation, negotiator_id, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.get("/{negotiation_id}/sessions", response_model=NegotiationSessionPage, dependencies=READ)
def negotiations_sessions_list(
    negotiation: StaffNegotiationDep, session: SessionDep, page: PageQuery
) -> NegotiationSessionPage:
    """The sessions and their minutes, in order, paged."""
    items, next_cursor = meetings.list_sessions(session, negotiation, limit=page.limit, cursor=page.cursor)
    return NegotiationSessionPage(items=items, next_cursor=next_cursor)


@router.post(
    "/{negotiation_id}/sessions", response_model=NegotiationOut, status_code=201, dependencies=MANAGE
)
def negotiations_sessions_create(
    negotiation: StaffNegotiationDep,
    body: SessionCreate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Record a session (令22 Art 33-35): chaired by the chiefs in turn, minuted by a recorder who is
    not a negotiator; outcome `suspended` suspends the talks (reason, next date), the next session
    resumes them."""
    meetings.record_session(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.get("/{negotiation_id}/versions", response_model=Page[DraftSummary], dependencies=READ)
def negotiations_versions_list(
    negotiation: StaffNegotiationDep, session: SessionDep, page: PageQuery
) -> Page[DraftSummary]:
    """Every version of the draft contract (all are kept), by number, paged."""
    items, next_cursor = meetings.list_drafts(session, negotiation, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.post("/{negotiation_id}/versions", response_model=DraftOut, status_code=201, dependencies=MANAGE)
def negotiations_versions_create(
    negotiation: StaffNegotiationDep,
    body: DraftCreate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> DraftOut:
    """Save a new version of the whole draft: clauses by topic (令22 Art 8), wage clauses with their
    figures."""
    draft = meetings.create_draft(session, negotiation, body, version=version, by=principal)
    set_etag(response, negotiation)
    response.headers["Location"] = f"/api/v1/negotiations/{negotiation.id}/versions/{draft.number}"
    return meetings.get_draft(session, negotiation, draft.number)


@router.get("/{negotiation_id}/versions/{number}", response_model=DraftOut, dependencies=READ)
def negotiations_versions_get(negotiation: StaffNegotiationDep, number: int, session: SessionDep) -> DraftOut:
    """One version with its clauses."""
    return meetings.get_draft(session, negotiation, number)


@router.get("/{negotiation_id}/versions/{a}/diff/{b}", response_model=DraftDiff, dependencies=READ)
def negotiations_versions_diff(
    negotiation: StaffNegotiationDep, a: int, b: int, session: SessionDep
) -> DraftDiff:
    """Version `a` against version `b`, clause by clause (matched by clause key)."""
    return meetings.diff(session, negotiation, a, b)


@router.post("/{negotiation_id}/agree", response_model=NegotiationOut, dependencies=MANAGE)
def negotiations_agree(
    negotiation: StaffNegotiationDep,
    body: AgreeIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """The negotiators agree a draft version for the congress: needs at least one recorded session and
    a valid team (令22 Art 19-24, 33-36)."""
    negotiation = path.agree(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post("/{negotiation_id}/vote", response_model=NegotiationOut, dependencies=MANAGE)
def negotiations_vote(
    negotiation: StaffNegotiationDep,
    body: VoteIn,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Record the congress (or all-workers) vote (令22 Art 36): adopted with >= 2/3 of all
    representatives present and more than half of all in favour; otherwise back to negotiating."""
    negotiation = path.vote(session, negotiation, body, version=version, settings=settings, by=principal)
    return _out(session, negotiation, response)


@router.post("/{negotiation_id}/sign", response_model=NegotiationOut, dependencies=MANAGE)
def negotiations_sign(
    negotiation: StaffNegotiationDep,
    body: SignIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Both chiefs signed (令22 Art 37), for a term of 1-3 years (Art 38); filing is due in 10 days."""
    negotiation = path.sign(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post("/{negotiation_id}/file", response_model=NegotiationOut, dependencies=MANAGE)
def negotiations_file(
    negotiation: StaffNegotiationDep,
    body: FileIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """The text reached the labour authority (令22 Art 42). Without objection it is effective on day 15
    after receipt (Art 47) — by date, with no further step."""
    negotiation = path.file(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post("/{negotiation_id}/objection", response_model=NegotiationOut, dependencies=MANAGE)
def negotiations_objection(
    negotiation: StaffNegotiationDep,
    body: ObjectionIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """The authority objected within 15 days (令22 Art 46): back to negotiating, then vote, sign and
    file again."""
    negotiation = path.object_(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post("/{negotiation_id}/publish", response_model=NegotiationOut, dependencies=MANAGE)
def negotiations_publish(
    negotiation: StaffNegotiationDep,
    body: PublishIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Publish the effective contract to those it covers (令22 Art 48); its members can then read it."""
    negotiation = path.publish(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post("/{negotiation_id}/checks", response_model=NegotiationOut, status_code=201, dependencies=MANAGE)
def negotiations_checks_create(
    negotiation: StaffNegotiationDep,
    body: CheckIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Record a compliance check (履约检查) of a contract in force."""
    aftercare.add_check(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post(
    "/{negotiation_id}/disputes", response_model=NegotiationOut, status_code=201, dependencies=MANAGE
)
def negotiations_disputes_create(
    negotiation: StaffNegotiationDep,
    body: DisputeCreate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """A written application: `coordination` of a negotiation dispute (令22 Art 49-54, settled within
    30 days), or a `breach` of a contract in force (劳动合同法 Art 56)."""
    aftercare.open_dispute(session, negotiation, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post(
    "/{negotiation_id}/disputes/{dispute_id}/extend", response_model=NegotiationOut, dependencies=MANAGE
)
def negotiations_disputes_extend(
    negotiation: StaffNegotiationDep,
    dispute_id: uuid.UUID,
    body: ExtendIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Extend a coordination once, by at most 15 days (令22 Art 49-54)."""
    dispute = aftercare.get_dispute(session, negotiation, dispute_id)
    aftercare.extend(session, negotiation, dispute, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post(
    "/{negotiation_id}/disputes/{dispute_id}/settle", response_model=NegotiationOut, dependencies=MANAGE
)
def negotiations_disputes_settle(
    negotiation: StaffNegotiationDep,
    dispute_id: uuid.UUID,
    body: SettleIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Record the settlement of a dispute (late ones are marked late in the timeline)."""
    dispute = aftercare.get_dispute(session, negotiation, dispute_id)
    aftercare.settle(session, negotiation, dispute, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.post(
    "/{negotiation_id}/disputes/{dispute_id}/refer", response_model=NegotiationOut, dependencies=MANAGE
)
def negotiations_disputes_refer(
    negotiation: StaffNegotiationDep,
    dispute_id: uuid.UUID,
    body: ReferIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> NegotiationOut:
    """Refer a breach case to arbitration or court (劳动合同法 Art 56)."""
    dispute = aftercare.get_dispute(session, negotiation, dispute_id)
    aftercare.refer(session, negotiation, dispute, body, version=version, by=principal)
    return _out(session, negotiation, response)


@router.get(
    "/{negotiation_id}/contract.docx",
    response_class=Response,
    dependencies=READ,
    responses={200: {"content": {DOCX: {}}, "description": "The agreed contract text as DOCX."}},
)
def negotiations_contract_docx(negotiation: NegotiationDep, session: SessionDep) -> Response:
    """The agreed text as a Word document for printing and signing (members: published contracts)."""
    return Response(
        documents.contract_docx(session, negotiation),
        media_type=DOCX,
        headers={"Content-Disposition": f'attachment; filename="contract-{negotiation.id}.docx"'},
    )


@router.get(
    "/{negotiation_id}/filing-form.docx",
    response_class=Response,
    dependencies=READ,
    responses={200: {"content": {DOCX: {}}, "description": "The filing form as DOCX."}},
)
def negotiations_filing_form_docx(negotiation: StaffNegotiationDep, session: SessionDep) -> Response:
    """The filing form for the labour authority (集体合同审查登记表-style): parties, term,
    negotiators, vote figures, dates."""
    return Response(
        documents.filing_form_docx(session, negotiation),
        media_type=DOCX,
        headers={"Content-Disposition": f'attachment; filename="filing-form-{negotiation.id}.docx"'},
    )
