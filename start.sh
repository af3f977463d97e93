#!/usr/bin/env bash
# Sets AutonomOS up on a fresh machine and runs the main job: the multi-vendor demo, end to end.
# (Until the server lands, the "product" is the CLI; this prints how to query the result.)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e .
export AUTONOMOS_DATA_DIR="${AUTONOMOS_DATA_DIR:-$PWD/.autonomos}"
.venv/bin/autonomos demo
cat <<MSG

The demo tenant's unified views are in $AUTONOMOS_DATA_DIR. Query them with:
  source .venv/bin/activate
  autonomos query "select _source, count(*) from unified.account group by 1"
  autonomos graph
  autonomos agents run revops
MSG
