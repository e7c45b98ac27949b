"""``bench.patched_app:app``: gonghui with the proposed fixes named in ``BENCH_PATCHES`` applied first
(see bench/patches.py). Used only by ``python -m bench --patch NAME``."""

import os

from bench.patches import apply

PATCHED = apply(os.environ.get("BENCH_PATCHES", "").split(","))

from api.main import create_app  # noqa: E402  (after the patches, so the routers see them)

app = create_app()
