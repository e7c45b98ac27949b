#!/usr/bin/env bash
# Run the whole test suite: once on SQLite, then once on a throwaway PostgreSQL cluster.
#   GONGHUI_TEST_POSTGRES=auto (default): the PostgreSQL pass runs when PostgreSQL binaries are found.
#   GONGHUI_TEST_POSTGRES=1: the PostgreSQL pass must run (CI); =0: SQLite only.
# Before pytest: `ruff check`, `ruff format --check` and `mypy` (configured in pyproject.toml); any finding
# makes the command fail (the tests still run). GONGHUI_TEST_LINT=0 skips them for a quick local loop only.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k members`.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
mode="${GONGHUI_TEST_POSTGRES:-auto}"
jobs="${GONGHUI_TEST_JOBS:-2}"
status=0

if [ "${GONGHUI_TEST_LINT:-1}" != 0 ]; then
  for check in "ruff check ." "ruff format --check ." "mypy"; do
    echo "=== $check ==="
    if ! $check; then echo "=== $check: findings (fix them: the test command fails) ==="; status=1; fi
  done
fi

run_pytest() {
  local label="$1"; shift
  echo "=== pytest on $label ==="
  set +e
  python -m pytest -n "$jobs" -p no:cacheprovider "$@"
  local rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then echo "=== $label: pytest exit $rc ==="; status=1; fi
}

GONGHUI_TEST_DATABASE_URL= run_pytest sqlite "$@"

pg_available() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || [ -n "${PGBIN:-}" ]; }
if [ "$mode" = 1 ] || { [ "$mode" = auto ] && pg_available; }; then
  pgdir="$(mktemp -d /tmp/gonghui-pg.XXXXXX)"
  trap 'bash "$ROOT/scripts/pg-cluster.sh" stop "$pgdir"' EXIT
  if url="$(bash "$ROOT/scripts/pg-cluster.sh" start "$pgdir")"; then
    GONGHUI_TEST_DATABASE_URL="$url" GONGHUI_TEST_REQUIRE_POSTGRES=1 run_pytest postgresql "$@"
  else
    echo "=== could not start PostgreSQL ==="
    [ "$mode" = 1 ] && status=1
  fi
elif [ "$mode" = 1 ]; then
  echo "=== GONGHUI_TEST_POSTGRES=1 but no PostgreSQL binaries found ==="; status=1
elif [ "$mode" = 0 ]; then
  echo "=== PostgreSQL pass skipped (GONGHUI_TEST_POSTGRES=0) ==="
else
  echo "=== PostgreSQL pass skipped (no PostgreSQL binaries; install PostgreSQL 15 or set PGBIN) ==="
fi
exit "$status"
