"""Personal data at rest (api/security/pii.py): Fernet tokens under a key ring, HMAC-SHA256 lookup hashes."""

from __future__ import annotations

import hashlib
import hmac
import threading

import pytest
from cryptography.fernet import Fernet

from api.security.pii import PiiVault, new_fernet_key

VALUE = "11010519491231002X"


def test_lookup_hash_is_plain_hmac_sha256_of_the_value():
    """Stored hashes must stay findable: the pre-keyed, copied HMAC equals a fresh HMAC-SHA256 each time,
    also when many threads hash at once (the vault is shared by the server's worker threads)."""
    key = b"k" * 32
    vault = PiiVault([new_fernet_key()], key)
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


def test_tokens_are_standard_fernet_and_any_ring_key_decrypts():
    old, new = new_fernet_key(), new_fernet_key()
    token = PiiVault([old], b"k").encrypt(VALUE)
    assert Fernet(old.encode()).decrypt(token.encode()).decode() == VALUE
    ring = PiiVault([new, old], b"k")
    assert ring.decrypt(token) == VALUE
    rotated = ring.rotate(token)
    assert Fernet(new.encode()).decrypt(rotated.encode()).decode() == VALUE
    with pytest.raises(ValueError):
        PiiVault([new_fernet_key()], b"k").decrypt(token)
