"""Encryption of personal data at rest (resident ID numbers).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a key
ring: the first key encrypts, every key decrypts, so ``gonghui rotate-pii-keys`` can re-encrypt
under a new first key. Beside the ciphertext sits a keyed hash (HMAC-SHA256) of the normalised
value for uniqueness and exact lookup, so the raw number never reaches the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.config import Settings


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gonghui-pii", info=purpose).derive(secret.encode())


class PiiVault:
    def __init__(self, keys: list[str], hmac_key: bytes):
        if not keys:
            raise ValueError("at least one PII key is needed")
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
        self._hmac_key = hmac_key
        self._hmac = hmac.new(hmac_key, digestmod=hashlib.sha256)  # keyed once; copied per value

    @classmethod
    def from_settings(cls, settings: Settings) -> "PiiVault":
        return _vault(tuple(settings.pii_keys), settings.pii_hmac_key, settings.secret_key)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("ciphertext does not decrypt under any configured PII key") from None

    def rotate(self, token: str) -> str:
        """Re-encrypt under the first (current) key."""
        return self._fernet.rotate(token.encode()).decode()

    def lookup_hash(self, value: str) -> str:
        mac = self._hmac.copy()
        mac.update(value.encode())
        return mac.hexdigest()


@lru_cache(maxsize=4)
def _vault(keys: tuple[str, ...], hmac_key: str | None, secret: str) -> PiiVault:
    if not keys:  # development: stable keys derived from the secret key
        keys = (base64.urlsafe_b64encode(_derive(secret, b"fernet")).decode(),)
    mac = hmac_key.encode() if hmac_key else _derive(secret, b"hmac")
    return PiiVault(list(keys), mac)


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()
