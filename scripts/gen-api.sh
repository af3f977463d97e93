#!/usr/bin/env bash
# Regenerate the console's typed API client (frontend/src/api/schema.d.ts) from the server's
# OpenAPI schema, built in-process (no server to start). tests/server/test_openapi_client.py
# fails when the committed file is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
out=autonomos/server/openapi.json
trap 'rm -f "$out"' EXIT
AUTONOMOS_DATA_DIR="$(mktemp -d)" .venv/bin/python - "$out" <<'PY'
import sys

import msgspec

from autonomos.server.app import create_app
from autonomos.server.settings import Settings

schema = create_app(Settings.from_env()).openapi_schema.to_schema()
open(sys.argv[1], "wb").write(msgspec.json.encode(schema))
PY
(cd frontend && env -u AUTONOMOS_API npm run --silent gen:api)
