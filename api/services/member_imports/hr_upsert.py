"""The HR upsert by employee number (``PUT /members/by-employee-no/{no}``): one row through the same
planning and writing as a bulk import, audited with the fields HR is authoritative for.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session, select

from api.config import Settings
from api.db.models import Member, MemberTag
from api.errors import Conflict, PreconditionFailed, RuleViolation
from api.i18n import Text
from api.imports.members import (
    KIND_MESSAGES,
    MemberRowError,
    MemberRowOk,
    normalise_member_row,
)
from api.imports.readers import (
    RawRow,
)
from api.schemas.member_imports import MemberUpsert
from api.security.masking import mask_phone
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit
from api.services.member_imports.jobs import import_unit
from api.services.member_imports.planning import load_context, plan_batch
from api.services.member_imports.writing import ConcurrentChange, write_batch

# --- HR upsert by employee number -----------------------------------------------------------------------

_FIELD_OUT = {"monthly_wage": "monthly_wage_fen", "row": "body"}


def _fen_to_yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _raw_from_body(employee_no: str, body: MemberUpsert) -> RawRow:
    def text(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    data = {
        "employee_no": employee_no,
        "name": body.name,
        "gender": body.gender,
        "national_id": body.national_id,
        "phone": body.phone,
        "birth_date": text(body.birth_date),
        "join_date": text(body.join_date),
        "org_unit_code": body.org_unit_code,
        "is_representative": text(body.is_representative),
        "monthly_wage": None if body.monthly_wage_fen is None else _fen_to_yuan(body.monthly_wage_fen),
        "email": body.email,
        "tags": ",".join(body.tags) if body.tags else None,
        "notes": body.notes,
    }
    return RawRow(row_number=0, data={k: text(v) for k, v in data.items()})


UPSERT_AUDITED = (
    "employee_no",
    "org_unit_id",
    "name",
    "gender",
    "national_id_hmac",
    "phone",
    "email",
    "join_date",
    "is_representative",
    "monthly_wage_fen",
    "notes",
)


def upsert(
    session: Session,
    settings: Settings,
    *,
    employee_no: str,
    org_unit: str,
    body: MemberUpsert,
    version: int | None,
    by: Principal,
) -> tuple[uuid.UUID, bool]:
    """Create or update the member with this employee number in ``org_unit``'s grassroots union.

    ``version`` (If-Match): the member must exist at that version (412 otherwise); None (``*``): create
    or update whatever is current.

    Idempotent: sending the same data again writes nothing (no audit event, no change-feed entry, the
    version stays). Returns (member id, created).
    """
    unit = import_unit(session, org_unit, by.units_for())
    row = normalise_member_row(_raw_from_body(employee_no.strip(), body), today=date.today())
    if isinstance(row, MemberRowError):
        fe = row.errors[0]
        column = _FIELD_OUT.get(fe.field, fe.field)
        reason = Text(KIND_MESSAGES.get(fe.kind, fe.message), {})
        raise RuleViolation("hr_invalid_field", field=column, column=column, kind=fe.kind, reason=reason)
    given = set(body.model_fields_set) | {"gender", "birth_date"}
    if "is_representative" in given and body.is_representative is None:
        given.discard("is_representative")

    def authority(_: MemberRowOk) -> set[str]:
        return given

    ctx = load_context(
        session, unit, PiiVault.from_settings(settings), actor_id=by.user_id, today=date.today()
    )
    plans, errors = plan_batch(session, ctx, [row], authority)
    if errors:
        fe = errors[0].errors[0]
        value = body.org_unit_code or unit.code
        raise {
            "unknown_org": RuleViolation(
                "hr_unknown_org", field="org_unit_code", value=value, org_unit=unit.code
            ),
            "org_closed": RuleViolation("hr_org_closed", field="org_unit_code", value=value),
            "org_not_in_union": RuleViolation("hr_org_not_in_union", field="org_unit_code", value=value),
            "dup_national_id_on_record": RuleViolation("hr_national_id_on_record", field="national_id"),
            "member_out_of_scope": RuleViolation(
                "hr_member_out_of_scope", field="employee_no", value=employee_no, org_unit=unit.code
            ),
        }[fe.kind]
    plan = plans[0]
    if version is not None and (plan.existing is None or plan.existing.version != version):
        raise PreconditionFailed()
    if plan.action == "unchanged":
        return plan.member_id, False  # type: ignore[return-value]
    try:
        write_batch(session, ctx, [plan])
    except ConcurrentChange:
        session.rollback()
        raise Conflict("version_mismatch") from None
    assert plan.member_id is not None
    fields = [f for f in UPSERT_AUDITED if f != "employee_no"]
    after = {f: plan.values[f] for f in fields}
    if plan.action == "created":
        action, diff = (
            "member.created",
            audit.created({"employee_no": plan.row.employee_no, **after, "tags": plan.tags or []}),
        )
    else:
        before = {f: getattr(plan.existing, f) for f in fields}
        action, diff = "member.updated", audit.diff(before, after)
        if plan.tags is not None:
            diff.setdefault("after", {})["tags"] = plan.tags
    audit.record(
        session,
        by,
        action,
        entity_type="member",
        entity_id=plan.member_id,
        org_unit_id=plan.values["org_unit_id"],
        changes={**diff, "source": "hr_sync"},
    )
    session.commit()
    return plan.member_id, plan.action == "created"


def synced_view(session: Session, member_id: uuid.UUID) -> dict[str, Any]:
    member = session.get(Member, member_id, populate_existing=True)
    assert member is not None
    tags = sorted(session.execute(select(MemberTag.tag).where(MemberTag.member_id == member_id)).scalars())
    data = {
        k: getattr(member, k)
        for k in (
            "id",
            "member_no",
            "employee_no",
            "org_unit_id",
            "name",
            "gender",
            "birth_date",
            "national_id_masked",
            "join_date",
            "status",
            "is_representative",
            "version",
        )
    }
    return {**data, "phone_masked": mask_phone(member.phone), "tags": tags}
