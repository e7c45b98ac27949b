"""What every member-writing use case shares: the lifecycle state machine (as data), member
numbers, the grassroots union of a unit, and protecting resident ID numbers.

Records, transfers, dues, HR upserts and bulk imports all build on these, so the rules live once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from api.db.models import Member, MemberNumberCounter, OrgUnit, OrgUnitClosure
from api.db.session import Database
from api.db.types import table_of
from api.errors import RuleViolation
from api.rules.resident_id import ResidentId
from api.security.pii import PiiVault
from api.services import audit
from api.services.scope import in_scope


class MemberStatus(StrEnum):
    """Membership states (docs/rules.md §1: 章程 Art 2, 6-8; 会籍办法)."""

    applied = "applied"
    active = "active"
    transfer_pending = "transfer_pending"
    retained = "retained"  # retired, early-retired, unemployed, employer closed: no dues, no vote
    withdrawn = "withdrawn"
    expelled = "expelled"
    deceased = "deceased"


class LifecycleAction(StrEnum):
    approve = "approve"  # applied -> active: membership dates from approval (章程 Art 2)
    retain = "retain"  # active -> retained (章程 Art 8; Beijing 2020)
    restore = "restore"  # retained -> active (re-employed)
    withdraw = "withdraw"  # active -> withdrawn, own request (章程 Art 6)
    deem_withdrawn = (
        "deem_withdrawn"  # active -> withdrawn after 6 months without dues or participation (章程 Art 6)
    )
    expel = "expel"  # active -> expelled, only after a criminal penalty (章程 Art 7)
    rejoin = "rejoin"  # withdrawn -> applied (may re-join) [L]
    death = "death"  # any living state -> deceased: ends membership
    # transfers (会籍接转) move through transfer_pending; driven by the transfer endpoints
    transfer_out = "transfer_out"
    transfer_in = "transfer_in"
    transfer_back = "transfer_back"


@dataclass(frozen=True)
class Transition:
    source: frozenset[MemberStatus]
    target: MemberStatus
    needs_reason: bool = True


_LIVING = frozenset(MemberStatus) - {MemberStatus.deceased}

TRANSITIONS: dict[LifecycleAction, Transition] = {
    LifecycleAction.approve: Transition(
        frozenset({MemberStatus.applied}), MemberStatus.active, needs_reason=False
    ),
    LifecycleAction.retain: Transition(frozenset({MemberStatus.active}), MemberStatus.retained),
    LifecycleAction.restore: Transition(frozenset({MemberStatus.retained}), MemberStatus.active),
    LifecycleAction.withdraw: Transition(frozenset({MemberStatus.active}), MemberStatus.withdrawn),
    LifecycleAction.deem_withdrawn: Transition(frozenset({MemberStatus.active}), MemberStatus.withdrawn),
    LifecycleAction.expel: Transition(frozenset({MemberStatus.active}), MemberStatus.expelled),
    LifecycleAction.rejoin: Transition(frozenset({MemberStatus.withdrawn}), MemberStatus.applied),
    LifecycleAction.death: Transition(_LIVING, MemberStatus.deceased, needs_reason=False),
    LifecycleAction.transfer_out: Transition(
        frozenset({MemberStatus.active}), MemberStatus.transfer_pending, needs_reason=False
    ),
    LifecycleAction.transfer_in: Transition(
        frozenset({MemberStatus.transfer_pending}), MemberStatus.active, needs_reason=False
    ),
    LifecycleAction.transfer_back: Transition(
        frozenset({MemberStatus.transfer_pending}), MemberStatus.active, needs_reason=False
    ),
}

#: statuses that pay dues and count as members in good standing
DUES_PAYING = frozenset({MemberStatus.active, MemberStatus.transfer_pending})
#: retained members keep membership but lose voting rights [L], so they are never representatives
VOTING = frozenset({MemberStatus.active, MemberStatus.transfer_pending})


#: unit kinds that are grassroots unions: members register with them (a joint grassroots union,
#: 联合基层工会, covers several employers)
GRASSROOTS_KINDS = ("grassroots", "joint_grassroots")


def grassroots_of(session: Session, unit_id: uuid.UUID) -> OrgUnit:
    """The grassroots union (基层工会) a unit belongs to: itself or its nearest such ancestor.

    Members are registered with a grassroots union; a federation unit holds no members directly.
    """
    stmt = (
        select(OrgUnit)
        .join(OrgUnitClosure, col(OrgUnitClosure.ancestor_id) == col(OrgUnit.id))
        .where(OrgUnitClosure.descendant_id == unit_id, col(OrgUnit.kind).in_(GRASSROOTS_KINDS))
        .order_by(col(OrgUnitClosure.depth))
        .limit(1)
    )
    unit = session.exec(stmt).first()
    if unit is None:
        raise RuleViolation("member_unit_not_in_union", field="org_unit_id")
    return unit


def grassroots_map(session: Session, unit_ids: set[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """``grassroots_of`` for many units in one query (bulk imports)."""
    if not unit_ids:
        return {}
    rows = session.execute(
        select(OrgUnitClosure.descendant_id, OrgUnit.id, OrgUnitClosure.depth)
        .join(OrgUnit, col(OrgUnit.id) == col(OrgUnitClosure.ancestor_id))
        .where(col(OrgUnitClosure.descendant_id).in_(unit_ids), col(OrgUnit.kind).in_(GRASSROOTS_KINDS))
    ).all()
    best: dict[uuid.UUID, tuple[int, uuid.UUID]] = {}
    for descendant, grassroots, depth in rows:
        if descendant not in best or depth < best[descendant][0]:
            best[descendant] = (depth, grassroots)
    return {unit: g for unit, (_, g) in best.items()}


def _lock_counter(session: Session, grassroots_id: uuid.UUID) -> int:
    """Lock the union's member-number counter row and return its next value (creating the row at 1).

    SELECT ... FOR UPDATE on PostgreSQL (SQLite writers are serial); the lock is held until the
    transaction ends. The union's first number creates the row with ``INSERT ... ON CONFLICT DO
    NOTHING``: two transactions doing so at once (e.g. two import workers) both go on, the second waiting
    for the first's row instead of failing on its key.
    """
    locked = (
        select(col(MemberNumberCounter.next_value))
        .where(MemberNumberCounter.grassroots_unit_id == grassroots_id)
        .with_for_update()
    )
    next_value = session.execute(locked).scalar_one_or_none()
    if next_value is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(MemberNumberCounter)
            .values(grassroots_unit_id=grassroots_id, next_value=1)
            .on_conflict_do_nothing(index_elements=["grassroots_unit_id"])
        )
        next_value = session.execute(locked).scalar_one()
    return next_value


def _set_counter(session: Session, grassroots_id: uuid.UUID, next_value: int) -> None:
    session.execute(
        sa.update(MemberNumberCounter)
        .where(col(MemberNumberCounter.grassroots_unit_id) == grassroots_id)
        .values(next_value=next_value)
    )
    # an ORM counter loaded earlier in this session must not show the old value
    counter = session.identity_map.get(session.identity_key(MemberNumberCounter, (grassroots_id,)))
    if counter is not None:
        session.expire(counter)


def allocate_member_numbers(session: Session, grassroots: OrgUnit, count: int = 1) -> list[str]:
    """Reserve ``count`` member numbers of one union: ``<union code>-<6-digit sequence>``.

    The counter row is locked (:func:`_lock_counter`), so concurrent creations never hand out the same
    number.
    """
    first = _lock_counter(session, grassroots.id)
    _set_counter(session, grassroots.id, first + count)
    return [f"{grassroots.code}-{n:06d}" for n in range(first, first + count)]


class MemberNumbers:
    """Member numbers for a bulk import, handed out in memory between two database calls per union.

    :meth:`reserve` locks each union's counter row once (held until the transaction ends, as
    :func:`allocate_member_numbers` holds it) and reads it; :meth:`take` then numbers members without
    the database, and :meth:`flush` writes the counters back before the commit. Numbers are the same
    as batch-by-batch allocation would give; a rolled-back import leaves the counters as they were.
    """

    __slots__ = ("_codes", "_next", "_read")

    def __init__(self) -> None:
        self._codes: dict[uuid.UUID, str] = {}
        self._next: dict[uuid.UUID, int] = {}
        self._read: dict[uuid.UUID, int] = {}

    def reserve(self, session: Session, union_ids: set[uuid.UUID]) -> None:
        """Lock and read the counters of the unions not seen before (no query when all were)."""
        for union_id in union_ids - self._next.keys():
            union = session.get(OrgUnit, union_id)
            assert union is not None
            self._codes[union_id] = union.code
            self._next[union_id] = self._read[union_id] = _lock_counter(session, union_id)

    def take(self, union_id: uuid.UUID, count: int) -> list[str]:
        """The next ``count`` numbers of a union :meth:`reserve` has locked."""
        first = self._next[union_id]
        self._next[union_id] = first + count
        code = self._codes[union_id]
        return [f"{code}-{n:06d}" for n in range(first, first + count)]

    def flush(self, session: Session) -> None:
        """Write back the counters of the unions that handed out numbers."""
        for union_id, next_value in self._next.items():
            if next_value != self._read[union_id]:
                _set_counter(session, union_id, next_value)
                self._read[union_id] = next_value


@dataclass(frozen=True)
class ProtectedId:
    cipher: str
    hmac: str
    masked: str


def protect_national_id(vault: PiiVault, rid: ResidentId) -> ProtectedId:
    """Encrypt a validated resident ID; the HMAC gives uniqueness and exact lookup without the raw value."""
    return ProtectedId(cipher=vault.encrypt(rid.value), hmac=vault.lookup_hash(rid.value), masked=rid.masked)


def national_id_hash(vault: PiiVault, rid: ResidentId) -> str:
    return vault.lookup_hash(rid.value)


@dataclass(frozen=True)
class RotationResult:
    rewritten: int
    current: int


class UndecryptableId(Exception):
    """A stored resident ID decrypts under none of the configured keys (a key was dropped too early)."""

    def __init__(self, member_id: uuid.UUID, done: RotationResult):
        super().__init__(f"member {member_id}: resident ID does not decrypt under any configured PII key")
        self.member_id = member_id
        self.done = done


def rotate_national_ids(
    db: Database, vault: PiiVault, *, batch_size: int = 1000, actor_label: str = "cli"
) -> RotationResult:
    """Re-encrypt every stored resident ID not yet in the current format under the first ring key.

    Walks ``member`` by id in batches, one transaction per batch with one audit event for what it
    rewrote, so a large table is never locked for long and an interrupted run can simply be repeated
    (values already current are skipped). Members' versions are not bumped: the ID itself is unchanged.
    Raises :class:`UndecryptableId` at the first value no key opens (earlier batches stay rewritten).
    """
    member = table_of(Member)
    page = select(member.c.id, member.c.national_id_cipher).order_by(member.c.id).limit(batch_size)
    rewrite = (
        sa.update(member)
        .where(member.c.id == sa.bindparam("b_id"))
        .values(national_id_cipher=sa.bindparam("b_cipher"))
    )
    after: uuid.UUID | None = None
    rewritten = current = 0
    while True:
        with db.write_session() as session:
            rows = session.execute(page if after is None else page.where(member.c.id > after)).all()
            if not rows:
                return RotationResult(rewritten, current)
            after = rows[-1].id
            stale = []
            for r in rows:
                if vault.is_current(r.national_id_cipher):
                    continue
                try:
                    stale.append({"b_id": r.id, "b_cipher": vault.rotate(r.national_id_cipher)})
                except ValueError:
                    raise UndecryptableId(r.id, RotationResult(rewritten, current)) from None
            current += len(rows) - len(stale)
            if stale:
                session.execute(rewrite, stale)
                audit.record(
                    session,
                    None,
                    "member.national_ids_reencrypted",
                    entity_type="member",
                    changes={"after": {"members": len(stale)}},
                    actor_label=actor_label,
                )
                rewritten += len(stale)
            session.commit()


def referenced_member(
    session: Session, member_id: uuid.UUID, roots: Sequence[uuid.UUID], *, field: str = "member_id"
) -> Member:
    """The member a request body names (``member_id``), if their unit lies under one of ``roots``.

    Otherwise 422 ``not_found`` on ``field``: the body is wrong, not the URL (a member outside the
    roots is indistinguishable from one that does not exist). ``roots`` is the caller's scope
    (``by.units_for()``, e.g. transfers, dues) or the unit the member must belong to (a congress's union).
    """
    member = (
        session.exec(
            select(Member).where(col(Member.id) == member_id, in_scope(col(Member.org_unit_id), roots))
        ).first()
        if roots
        else None
    )
    if member is None:
        raise RuleViolation("not_found", field=field)
    return member
