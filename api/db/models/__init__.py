"""All table models, imported so that ``metadata`` knows every table (Alembic compares against it)."""

from api.db.models.audit import AuditEvent, IdempotencyRecord
from api.db.models.auth import Grant, RefreshToken, User
from api.db.models.base import metadata
from api.db.models.changes import ChangeLogCounter, ChangeLogEntry
from api.db.models.members import (
    DuesPayment,
    Member,
    MemberEvent,
    MemberImport,
    MemberNumberCounter,
    MemberTag,
    MemberTransfer,
)
from api.db.models.motions import (
    Congress,
    CongressRepresentativeOverride,
    Department,
    DepartmentHandler,
    Motion,
    MotionDepartment,
    MotionEvent,
    MotionRating,
    MotionReply,
    MotionSignatory,
)
from api.db.models.negotiations import (
    Negotiation,
    NegotiationCheck,
    NegotiationClause,
    NegotiationCoverage,
    NegotiationDispute,
    NegotiationDraft,
    NegotiationEvent,
    NegotiationSession,
    NegotiationVote,
    Negotiator,
)
from api.db.models.org import OrgUnit, OrgUnitClosure

__all__ = [
    "AuditEvent",
    "ChangeLogCounter",
    "ChangeLogEntry",
    "Congress",
    "CongressRepresentativeOverride",
    "Department",
    "DepartmentHandler",
    "DuesPayment",
    "Grant",
    "IdempotencyRecord",
    "Member",
    "MemberEvent",
    "MemberImport",
    "MemberNumberCounter",
    "MemberTag",
    "MemberTransfer",
    "Motion",
    "MotionDepartment",
    "MotionEvent",
    "MotionRating",
    "MotionReply",
    "MotionSignatory",
    "Negotiation",
    "NegotiationCheck",
    "NegotiationClause",
    "NegotiationCoverage",
    "NegotiationDispute",
    "NegotiationDraft",
    "NegotiationEvent",
    "NegotiationSession",
    "NegotiationVote",
    "Negotiator",
    "OrgUnit",
    "OrgUnitClosure",
    "RefreshToken",
    "User",
    "metadata",
]
