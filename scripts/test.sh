#!/usr/bin/env bash
# Sets up everything on a fresh machine (venv, Python deps, the web console build, Chromium for
# the browser tests) and runs the whole test suite: the console's unit tests (vitest), then pytest.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -k files -x
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
# An editable install compiles nothing, and with PYTHONDONTWRITEBYTECODE set every process would
# compile the package's sources again (~0.12 s per CLI call the tests start)
.venv/bin/python -m compileall -q autonomos >/dev/null

if [ "${CI:-}" = "true" ]; then
  ./scripts/ensure-services.sh
fi

# The console: built into autonomos/server/static/ (the server and the browser tests use it).
if [ -d frontend ]; then
  scripts/build-frontend.sh
  (cd frontend && npm test --silent)
fi

# Browser tests drive Debian's Chromium; install it when missing (as root, e.g. in CI).
if [ -d tests/frontend ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing chromium (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: /usr/bin/chromium missing and not root: browser tests will skip (or fail under CI=true)" >&2
  fi
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
