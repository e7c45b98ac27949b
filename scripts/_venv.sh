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
  echo "installing gonghui and its dependencies into .venv ..." >&2
  mkdir -p var
  if ! { "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip \
         && "$VENV/bin/python" -m pip install --disable-pip-version-check -c constraints.txt -e ".[${GONGHUI_EXTRAS:-dev}]"; } \
       >var/pip-install.log 2>&1; then
    cat var/pip-install.log >&2
    echo "installation failed (log: var/pip-install.log)" >&2
    exit 1
  fi
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
