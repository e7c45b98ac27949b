"""Whether the personal-data key ring can be used (issue 14 item 9; ``/readyz``).

A ring can be well-formed and still useless: a key dropped from ``GONGHUI_PII_KEYS`` too early leaves
stored resident IDs that nothing decrypts. Readiness therefore round-trips a value through the ring and
opens the most recent stored one (by id, time-ordered).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import Member
from api.security.pii import PiiVault


def problem(session: Session, settings: Settings) -> str | None:
    """None when the ring works, else what is wrong (no key material in the text)."""
    try:
        vault = PiiVault.from_settings(settings)
        if vault.decrypt(vault.encrypt("readyz")) != "readyz":
            return "the key ring does not round-trip a value"
        vault.lookup_hash("readyz")
    except Exception:  # any failure to build or use the ring
        return "the key ring cannot be built from GONGHUI_PII_KEYS / GONGHUI_PII_HMAC_KEY"
    stored = session.exec(
        select(Member.national_id_cipher).order_by(col(Member.id).desc()).limit(1)  # primary key: cheap
    ).first()
    if stored is not None:
        try:
            vault.decrypt(stored)
        except ValueError:
            return "stored resident IDs do not decrypt under any configured key"
    return None
