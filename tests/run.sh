#!/usr/bin/env bash
# The whole test suite, from a fresh clone: make a venv, install the test tools, run pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=.venv-test
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
# pip's output goes to a log, shown only if the install fails.
log=$(mktemp)
if ! { "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip &&
       "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
exec "$VENV/bin/python" -m pytest -n "${PYTEST_WORKERS:-auto}" "$@"
