#!/usr/bin/env bash
# Sets AutonomOS up on a fresh machine and starts the product: the API, the web console and the
# in-process worker on http://localhost:8000, with a demo organization whose demo sources
# (Salesforce, HubSpot, Stripe, ERP, billing DB, AWS) are connected.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e .
if [ -x scripts/build-frontend.sh ] && command -v npm >/dev/null; then
  scripts/build-frontend.sh
elif [ -d frontend ]; then
  echo "npm not found: serving the API without the web console (install Node.js 20+ and npm)" >&2
fi
export AUTONOMOS_DATA_DIR="${AUTONOMOS_DATA_DIR:-$PWD/.autonomos}"
.venv/bin/autonomos migrate
.venv/bin/autonomos demo-setup
PORT="${AUTONOMOS_PORT:-8000}"
cat <<MSG

AutonomOS: http://localhost:$PORT   (API docs: http://localhost:$PORT/schema/swagger)
The CLI works on the same data:  source .venv/bin/activate && autonomos --help
MSG
exec .venv/bin/autonomos serve --host 127.0.0.1 --port "$PORT"
