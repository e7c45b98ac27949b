# Sourced by the other scripts: make ./.venv (Python 3.11+) and install the project into it, once
# per change of pyproject.toml or constraints.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gonghui needs Python 3.11 or newer")'
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.gonghui-installed"
WANT="$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-${GONGHUI_EXTRAS:-dev}"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[${GONGHUI_EXTRAS:-dev}]"
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
