#!/usr/bin/env bash
# Configures (once) and builds one CMake preset from CMakePresets.json:
#   scripts/build.sh dev|asan|release|bench
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if (($# != 1)); then
  echo "usage: scripts/build.sh PRESET   (dev, asan, release or bench)" >&2
  exit 2
fi
PRESET="$1"
BUILD_DIR="build/$PRESET"

# The Swagger UI copy and the web UI build exist only if web/node_modules was there at
# configure time, so configure again when it appeared after the first configure.
needs_configure=0
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  needs_configure=1
elif [[ -f web/node_modules/swagger-ui-dist/swagger-ui-bundle.js ]] &&
  ! grep -q sp_swagger_ui "$BUILD_DIR/build.ninja"; then
  needs_configure=1
elif [[ -x web/node_modules/.bin/vite ]] && ! grep -q sp_web_app "$BUILD_DIR/build.ninja"; then
  needs_configure=1
fi

if ((needs_configure)); then
  printf '\n==> Configuring preset %s\n' "$PRESET"
  cmake --preset "$PRESET"
fi
printf '\n==> Building preset %s\n' "$PRESET"
cmake --build --preset "$PRESET" -j"$(nproc)"
