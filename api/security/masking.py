"""Masking contact details for callers who may not see them in full: one rule for every view (API
responses, exports, the HR upsert's answer), so a value is never shown more in one place than another.

Resident ID numbers have their own stored mask (``api.rules.resident_id.ResidentId.masked``).
"""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``: enough to recognise a number, not to call it.

    Numbers shorter than 8 characters are masked entirely; the length is kept."""
    if not phone:
        return phone
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_email(email: str | None) -> str | None:
    """``zhang.san@example.com`` -> ``z***@example.com``; a value without ``@`` -> ``z***``.

    Only the first character of the local part is kept; a malformed value (no ``@``, as HR files
    sometimes hold) is masked too, never shown as it is."""
    if not email:
        return email
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"
