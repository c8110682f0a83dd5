#!/usr/bin/env bash
# Quick start: installs what is needed, builds the release preset and runs the control
# plane with its embedded defaults (http://127.0.0.1:8080, SQLite under ./data of the
# repository). Arguments go to `streamspace serve`, e.g. scripts/serve.sh --listen :9090
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/build.sh release
printf '\n==> Starting streamspace serve %s\n' "$*"
exec build/release/bin/streamspace serve "$@"
