#!/usr/bin/env bash
# Builds the web console into autonomos/server/static/ (served by the server at /).
# Idempotent: `npm ci` runs only when node_modules is missing or package-lock.json changed
# (its hash is kept in node_modules/.autonomos-lock-hash). Works on a fresh machine with Node
# >= 20.19 and the npm registry reachable.
set -euo pipefail
cd "$(dirname "$0")/../frontend"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "build-frontend: node and npm are required (Node >= 20.19); install them, e.g. apt-get install nodejs npm" >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "build-frontend: Node $(node --version) is too old; Vite needs >= 20.19" >&2
  exit 1
fi

hash_file=node_modules/.autonomos-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat "$hash_file" 2>/dev/null || true)
if [ "$want" != "$have" ] || [ ! -x node_modules/.bin/vite ]; then
  echo "build-frontend: installing packages (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" > "$hash_file"
else
  echo "build-frontend: node_modules up to date"
fi
npm run build
npm run size --silent
