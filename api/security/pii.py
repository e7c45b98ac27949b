"""Encryption of personal data at rest (resident ID numbers).

Values are encrypted under a key ring (``GONGHUI_PII_KEYS``: the first key encrypts, every key
decrypts), so keys can be rotated: add a new first key, run ``gonghui rotate-pii-keys`` (re-encrypts
every stored value under it), then drop the old key. Beside the ciphertext sits a keyed hash
(HMAC-SHA256) of the normalised value for uniqueness and exact lookup, so the raw number never reaches
the database.

Tokens are AES-256-GCM (``cryptography``'s ``AESGCM`` AEAD): ``g1:`` + url-safe base64 of a random
96-bit nonce and the ciphertext with its 128-bit tag, bound to this use by associated data. The AES key
of each ring key is derived with HKDF-SHA256, so ring keys stay the 32 random url-safe base64 bytes
``new_pii_key`` makes (Fernet's key format). Values written before ``g1`` are Fernet tokens
(AES-128-CBC + HMAC-SHA256); they still decrypt, and ``rotate`` rewrites them as ``g1``. Why not
Fernet for new values: it builds a fresh cipher context per token (~18 µs on the reference machine,
a tenth of a bulk import's time per member), where a GCM key context is made once per key (~4 µs per
token; docs/benchmarks.md, "2. Bulk import").

Random nonces are safe for 2**32 encryptions per key (NIST SP 800-38D §8.3): far beyond any union's
member records, and rotation starts a new key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.config import Settings

#: prefix of the current token format (a Fernet token starts with "gAAAAA", never with this)
TOKEN_PREFIX = "g1:"
_ASSOCIATED_DATA = b"gonghui pii g1"
_NONCE_BYTES = 12
_TAG_BYTES = 16


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gonghui-pii", info=purpose).derive(secret)


class PiiVault:
    def __init__(self, keys: list[str], hmac_key: bytes):
        if not keys:
            raise ValueError("at least one PII key is needed")
        raw = [k.encode() if isinstance(k, str) else k for k in keys]
        self._legacy = MultiFernet([Fernet(k) for k in raw])  # validates the keys' format too
        self._ring = [AESGCM(_derive(base64.urlsafe_b64decode(k), b"aes-256-gcm")) for k in raw]
        self._hmac = hmac.new(hmac_key, digestmod=hashlib.sha256)  # keyed once; copied per value

    @classmethod
    def from_settings(cls, settings: Settings) -> PiiVault:
        return _vault(tuple(settings.pii_keys), settings.pii_hmac_key, settings.secret_key)

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ring[0].encrypt(nonce, value.encode(), _ASSOCIATED_DATA)
        return TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def encrypt_many(self, values: Sequence[str]) -> list[str]:
        """:meth:`encrypt` of each value, with every nonce drawn by one ``os.urandom`` call (a system call
        costs ~5 µs on the reference machine: as much as sealing the value). Each nonce is still 96 fresh
        random bits from the operating system's generator."""
        nonces = os.urandom(_NONCE_BYTES * len(values))
        seal = self._ring[0].encrypt
        out = []
        for i, value in enumerate(values):
            nonce = nonces[i * _NONCE_BYTES : (i + 1) * _NONCE_BYTES]
            sealed = seal(nonce, value.encode(), _ASSOCIATED_DATA)
            out.append(TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode())
        return out

    def decrypt(self, token: str) -> str:
        value = self._open(token, self._ring) if token.startswith(TOKEN_PREFIX) else self._open_legacy(token)
        if value is None:
            raise ValueError("ciphertext does not decrypt under any configured PII key")
        return value

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is in the current format under the first (current) key."""
        return token.startswith(TOKEN_PREFIX) and self._open(token, self._ring[:1]) is not None

    @staticmethod
    def _open(token: str, keys: list[AESGCM]) -> str | None:
        try:  # strict: characters outside url-safe base64 are an error, not skipped
            raw = base64.b64decode(token[len(TOKEN_PREFIX) :], altchars=b"-_", validate=True)
        except ValueError:
            return None
        if len(raw) < _NONCE_BYTES + _TAG_BYTES:
            return None
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        for key in keys:
            try:
                return key.decrypt(nonce, sealed, _ASSOCIATED_DATA).decode()
            except InvalidTag:
                continue
        return None

    def _open_legacy(self, token: str) -> str | None:
        try:
            return self._legacy.decrypt(token.encode()).decode()
        except InvalidToken:
            return None

    def rotate(self, token: str) -> str:
        """Re-encrypt under the first (current) key, in the current format."""
        return self.encrypt(self.decrypt(token))

    def lookup_hash(self, value: str) -> str:
        mac = self._hmac.copy()
        mac.update(value.encode())
        return mac.hexdigest()


@lru_cache(maxsize=4)
def _vault(keys: tuple[str, ...], hmac_key: str | None, secret: str) -> PiiVault:
    if not keys:  # development: stable keys derived from the secret key
        keys = (base64.urlsafe_b64encode(_derive(secret.encode(), b"fernet")).decode(),)
    mac = hmac_key.encode() if hmac_key else _derive(secret.encode(), b"hmac")
    return PiiVault(list(keys), mac)


def new_pii_key() -> str:
    """A new ring key: 32 random bytes, url-safe base64 (the format of a Fernet key)."""
    return Fernet.generate_key().decode()
