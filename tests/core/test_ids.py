"""Public ids are UUIDv7 (RFC 9562): time-ordered, unguessable. api/db/types.py."""

from __future__ import annotations

import itertools
import time
import uuid

from api.db.types import new_id, new_ids


def test_new_id_is_uuid7():
    value = new_id()
    assert value.version == 7 and value.variant == uuid.RFC_4122


def test_batched_ids_are_uuid7_unique_and_increasing_across_batches():
    before_ms = time.time_ns() // 1_000_000
    batches = [new_ids(n) for n in (1, 500, 0, 37, 500)]
    ids = [i for batch in batches for i in batch]
    assert len(ids) == 1038 == len(set(ids))
    assert ids == sorted(ids)  # within a batch and from one batch to the next
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    stamps = [i.int >> 80 for i in ids]
    assert stamps[0] >= before_ms
    # one millisecond per batch at most ahead of the clock: a batch never reuses the last one's stamp
    assert len({i.int >> 80 for i in batches[1]}) == 1
    assert len(set(stamps)) == 4
    # the random part is not a counter: 500 ids of one batch do not follow each other
    random_parts = [i.int & ((1 << 62) - 1) for i in batches[1]]
    assert max(b - a for a, b in itertools.pairwise(random_parts)) > 1 << 40


def test_batched_ids_behave_like_constructed_uuids():
    """new_ids builds its UUIDs without ``UUID.__init__``: they must be indistinguishable from ones built
    with it (equality, hashing, ordering, text, pickling, the slots)."""
    import pickle

    for made in new_ids(50):
        built = uuid.UUID(int=made.int)
        assert made == built and hash(made) == hash(built) and not made < built
        assert str(made) == str(built) and made.hex == built.hex and made.bytes == built.bytes
        assert made.is_safe is uuid.SafeUUID.unknown
        assert pickle.loads(pickle.dumps(made)) == built
        assert uuid.UUID(str(made)) == made
