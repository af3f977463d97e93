#!/usr/bin/env bash
# Builds the web console into autonomos/server/static/ (served by the server at /), and copies
# Swagger UI and ReDoc (npm swagger-ui-dist, redoc) into its api-docs/, which the server serves at
# /schema/assets/ so /schema/swagger and /schema/redoc work offline. CONSOLE_OUT_DIR overrides the
# output directory.
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

# The API docs' files, outside assets/: not console JavaScript, so not in the size budget below.
docs="${CONSOLE_OUT_DIR:-../autonomos/server/static}/api-docs"
mkdir -p "$docs"
ui=node_modules/swagger-ui-dist
cp "$ui/swagger-ui.css" "$ui/swagger-ui-bundle.js" "$ui/swagger-ui-standalone-preset.js" "$ui/favicon-32x32.png" \
   "$ui/swagger-ui-bundle.js.LICENSE.txt" "$ui/swagger-ui-standalone-preset.js.LICENSE.txt" "$docs/"
cp "$ui/LICENSE" "$docs/swagger-ui-dist.LICENSE.txt"
cp "$ui/NOTICE" "$docs/swagger-ui-dist.NOTICE.txt"
cp node_modules/redoc/bundles/redoc.standalone.js node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt "$docs/"
cp node_modules/redoc/LICENSE "$docs/redoc.LICENSE.txt"
echo "build-frontend: API docs assets (swagger-ui-dist $(node -p "require('./$ui/package.json').version"), \
redoc $(node -p "require('./node_modules/redoc/package.json').version")) in $docs"

npm run size --silent
