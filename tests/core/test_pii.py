"""Personal data at rest (api/security/pii.py): AES-256-GCM tokens under a key ring (older Fernet tokens still
decrypt), HMAC-SHA256 lookup hashes."""

from __future__ import annotations

import hashlib
import hmac
import threading

import pytest
from cryptography.fernet import Fernet

from api.security.pii import TOKEN_PREFIX, PiiVault, new_pii_key

VALUE = "11010519491231002X"


def test_lookup_hash_is_plain_hmac_sha256_of_the_value():
    """Stored hashes must stay findable: the pre-keyed, copied HMAC equals a fresh HMAC-SHA256 each time,
    also when many threads hash at once (the vault is shared by the server's worker threads)."""
    key = b"k" * 32
    vault = PiiVault([new_pii_key()], key)
    values = [f"{VALUE[:-4]}{n:04d}" for n in range(400)]
    expected = {v: hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in values}
    results: list[dict[str, str]] = []

    def work() -> None:
        results.append({v: vault.lookup_hash(v) for v in values})

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4


def test_encrypt_many_gives_tokens_like_encrypt_each_with_its_own_nonce():
    vault = PiiVault([new_pii_key()], b"k")
    values = [f"{VALUE[:-4]}{n:04d}" for n in range(300)]
    tokens = vault.encrypt_many(values)
    assert [vault.decrypt(t) for t in tokens] == values
    assert all(t.startswith(TOKEN_PREFIX) and len(t) == len(vault.encrypt(VALUE)) for t in tokens)
    nonces = {t[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 16] for t in tokens}  # 12 bytes = 16 base64 chars
    assert len(nonces) == len(values)
    assert vault.encrypt_many([]) == []


def test_tokens_are_aes_gcm_and_any_ring_key_decrypts():
    old, new = new_pii_key(), new_pii_key()
    token = PiiVault([old], b"k").encrypt(VALUE)
    assert token.startswith(TOKEN_PREFIX) and VALUE not in token and len(token) <= 255  # the column's size
    assert token != PiiVault([old], b"k").encrypt(VALUE)  # a fresh nonce each time
    ring = PiiVault([new, old], b"k")
    assert ring.decrypt(token) == VALUE and not ring.is_current(token)
    rotated = ring.rotate(token)
    assert ring.is_current(rotated) and PiiVault([new], b"k").decrypt(rotated) == VALUE
    with pytest.raises(ValueError, match="any configured PII key"):
        PiiVault([new_pii_key()], b"k").decrypt(token)


def test_fernet_tokens_of_older_versions_still_decrypt_and_rotate():
    key = new_pii_key()
    legacy = Fernet(key.encode()).encrypt(VALUE.encode()).decode()
    vault = PiiVault([key], b"k")
    assert vault.decrypt(legacy) == VALUE and not vault.is_current(legacy)
    assert vault.rotate(legacy).startswith(TOKEN_PREFIX)
    with pytest.raises(ValueError):
        PiiVault([new_pii_key()], b"k").decrypt(legacy)


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[:-6] + ("AAAA" if t[-6:-2] != "AAAA" else "BBBB") + t[-2:],  # tag or ciphertext changed
        lambda t: t[: len(TOKEN_PREFIX) + 20],  # truncated: nonce without ciphertext and tag
        lambda t: t + "%%",  # not base64
        lambda t: TOKEN_PREFIX,  # empty
        lambda t: "gAAAAAnot-a-fernet-token",
    ],
)
def test_damaged_tokens_are_refused_not_misread(damage):
    vault = PiiVault([new_pii_key()], b"k")
    bad = damage(vault.encrypt(VALUE))
    with pytest.raises(ValueError):
        vault.decrypt(bad)
    assert not vault.is_current(bad)


def test_ciphertext_is_bound_to_its_use():
    """The associated data binds tokens to gonghui's PII use: the same key and nonce under other
    associated data (another application sharing the key) do not decrypt as a resident ID."""
    import base64
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from api.security.pii import _derive

    key = new_pii_key()
    aead = AESGCM(_derive(base64.urlsafe_b64decode(key), b"aes-256-gcm"))
    nonce = os.urandom(12)
    foreign = (
        TOKEN_PREFIX
        + base64.urlsafe_b64encode(nonce + aead.encrypt(nonce, VALUE.encode(), b"other")).decode()
    )
    with pytest.raises(ValueError):
        PiiVault([key], b"k").decrypt(foreign)
