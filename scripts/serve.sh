#!/usr/bin/env bash
# Run gonghui on embedded SQLite: venv, install, migrate var/gonghui.db, first admin, serve :8000.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
gonghui bootstrap
exec gonghui serve --host "${GONGHUI_HOST:-127.0.0.1}" --port "${GONGHUI_PORT:-8000}"
