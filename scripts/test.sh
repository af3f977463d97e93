#!/usr/bin/env bash
# Sets up everything on a fresh machine (venv, Python deps) and runs the whole test suite.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -k files -x
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
if [ "${CI:-}" = "true" ]; then
  ./scripts/ensure-services.sh
fi
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
