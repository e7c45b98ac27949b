"""Container smoke test: build the image, start it with its secrets and an admin password file, and
check that it becomes ready and the first admin can log in (the documented first-admin path).

It needs a Docker engine; where there is none (this CI machine, for one) it is skipped and says why.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from api.security.pii import new_pii_key

ROOT = Path(__file__).resolve().parents[2]


def _engine_missing() -> str | None:
    if shutil.which("docker") is None:
        return "no `docker` command on this machine: the image cannot be built here"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"`docker info` failed, no reachable Docker engine: {probe.stderr.strip()[:200]}"
    return None


def _docker(*args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=True)


@pytest.mark.skipif(bool(_engine_missing()), reason=_engine_missing() or "")
def test_image_builds_starts_ready_and_the_first_admin_logs_in(tmp_path):
    tag = f"gonghui-smoke:{uuid.uuid4().hex[:8]}"
    name = f"gonghui-smoke-{uuid.uuid4().hex[:8]}"
    secret = tmp_path / "admin_password"
    secret.write_text("Smoke-test-passphrase-5\n", encoding="utf-8")
    secret.chmod(0o644)  # read by the image's unprivileged user
    _docker("build", "-t", tag, str(ROOT), timeout=1200)
    try:
        _docker(
            "run", "-d", "--name", name, "-p", "127.0.0.1::8000",
            "-e", f"GONGHUI_SECRET_KEY={uuid.uuid4().hex * 2}",
            "-e", f'GONGHUI_PII_KEYS=["{new_pii_key()}"]',
            "-e", f"GONGHUI_PII_HMAC_KEY={uuid.uuid4().hex * 2}",
            "-e", "GONGHUI_ADMIN_PASSWORD_FILE=/run/secrets/admin_password",
            "-v", f"{secret}:/run/secrets/admin_password:ro",
            tag,
        )  # fmt: skip
        port = _docker("port", name, "8000/tcp").stdout.strip().rsplit(":", 1)[1]
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{base}/readyz", timeout=3).status == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, _docker("logs", name).stdout
            time.sleep(1)
        form = urllib.parse.urlencode({"username": "admin", "password": "Smoke-test-passphrase-5"}).encode()
        assert urllib.request.urlopen(f"{base}/api/v1/auth/token", data=form, timeout=10).status == 200
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
