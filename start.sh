#!/usr/bin/env bash
# Sets AutonomOS up on a fresh machine and starts the product: the API, the web console and the
# in-process worker on http://localhost:8000 (AUTONOMOS_PORT to change it), with a demo
# organization whose demo sources (Salesforce, HubSpot, Stripe, ERP, billing DB, AWS) are
# connected. The install and build output goes to $AUTONOMOS_DATA_DIR/start.log (shown when a step
# fails), so what stays on screen is the steps, then the address and the demo login, last.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
PORT="${AUTONOMOS_PORT:-8000}"
export AUTONOMOS_DATA_DIR="${AUTONOMOS_DATA_DIR:-$PWD/.autonomos}"
mkdir -p "$AUTONOMOS_DATA_DIR"
LOG="$AUTONOMOS_DATA_DIR/start.log"
: >"$LOG"

# step "what" command…: one line on screen, the command's output in the log (and on screen if it fails)
step() {
  local what=$1
  shift
  printf '%s… ' "$what"
  if "$@" >>"$LOG" 2>&1; then
    echo "done"
  else
    echo "failed"
    echo "---- the last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
}

if [ ! -x .venv/bin/python ]; then
  step "Creating .venv" "$PY" -m venv .venv
fi
step "Installing AutonomOS into .venv" sh -c '.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip && .venv/bin/python -m pip install -q --disable-pip-version-check -e . && .venv/bin/python -m compileall -q autonomos >/dev/null'
if [ -x scripts/build-frontend.sh ] && command -v npm >/dev/null; then
  step "Building the web console" scripts/build-frontend.sh
elif [ -d frontend ]; then
  echo "npm not found: serving the API without the web console (install Node.js 20+ and npm)" >&2
fi
step "Migrating the database" .venv/bin/autonomos migrate
step "Connecting the demo organization" .venv/bin/autonomos demo-setup
LOGIN=$(sed -n 's/^log in with //p' "$LOG" | tail -n 1)

.venv/bin/autonomos serve --host 127.0.0.1 --port "$PORT" &
SERVER=$!
trap 'kill -TERM "$SERVER" 2>/dev/null; wait "$SERVER"' INT TERM
# the address and the login come once the server answers, after its own start-up lines
for _ in $(seq 1 300); do
  if .venv/bin/python -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=1)" 2>/dev/null; then
    cat <<MSG

  ┌────────────────────────────────────────────────────────────────────
  │ AutonomOS is running: http://localhost:$PORT
  │ Demo login:           ${LOGIN/ \/ /   password: }
  │ API docs:             http://localhost:$PORT/schema/swagger
  │ The CLI, same data:   source .venv/bin/activate && autonomos --help
  │ Stop it with Ctrl+C.  Install and build output: $LOG
  └────────────────────────────────────────────────────────────────────

MSG
    break
  fi
  if ! kill -0 "$SERVER" 2>/dev/null; then break; fi
  sleep 0.2
done
wait "$SERVER"
