#!/usr/bin/env bash
# Installs everything StreamSpace needs to build (and, with --test, to test) on Debian 12,
# then the web packages from npm. Idempotent: a re-run with everything present touches
# neither apt nor npm.
#
#   scripts/setup.sh          build and runtime dependencies (Xvnc, bubblewrap, xterm,
#                             firefox-esr for the local platform) + web/node_modules
#   scripts/setup.sh --test   also test tools: GoogleTest/GoogleMock, Google Benchmark,
#                             PostgreSQL, clang-format, clang-tidy, curl, websockify,
#                             Chromium (browser tests), PyYAML and kubectl (Kubernetes
#                             manifest checks)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WITH_TESTS=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TESTS=1 ;;
    -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "setup.sh: unknown option '$arg' (use --test or --help)" >&2
      exit 2
      ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost-dev libssl-dev nlohmann-json3-dev libexpected-dev
  libsoci-dev libsqlite3-dev libpq-dev libsodium-dev libjwt-dev libcurl4-openssl-dev
  libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  # The local platform: each session is Xvnc plus its app in a bubblewrap sandbox; the
  # built-in templates run xterm (with its fonts) and Firefox; socat bridges the port of
  # http-protocol (web app) sessions to a unix socket.
  tigervnc-standalone-server bubblewrap xterm xfonts-base firefox-esr socat
)
# Node.js may come from elsewhere (a newer build); take Debian's only when there is none.
if ! command -v node >/dev/null 2>&1; then PACKAGES+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi
if ((WITH_TESTS)); then
  # websockify: the reference the VNC path benchmark compares against. chromium: the
  # browser the web UI's end-to-end tests drive (through playwright-core from npm), with a
  # font so that its screenshots show text (only a recommendation of the package).
  # podman (with runc, uidmap, slirp4netns) serves the Docker Engine API the docker
  # platform's tests drive; mmdebstrap builds the session images from Debian packages.
  PACKAGES+=(libgtest-dev libgmock-dev libbenchmark-dev postgresql clang-format clang-tidy curl
             websockify chromium fonts-liberation podman runc uidmap slirp4netns mmdebstrap openssl)
  # The Kubernetes API contract server (tests/kube_contract) runs on Debian's python3 with
  # PyYAML; tools/check_kube_manifests.py renders deploy/kubernetes with kubectl. A kubectl
  # from elsewhere (a newer one) conflicts with Debian's package; keep it then.
  PACKAGES+=(python3 python3-yaml)
  if ! command -v kubectl >/dev/null 2>&1; then PACKAGES+=(kubernetes-client); fi
fi

step "System packages (${#PACKAGES[@]})"
MISSING=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" != "install ok installed" ]]; then MISSING+=("$pkg"); fi
done
if ((${#MISSING[@]} == 0)); then
  echo "all present"
else
  echo "installing: ${MISSING[*]}"
  SUDO=()
  if [[ "$(id -u)" != 0 ]]; then SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" apt-get install -y --no-install-recommends "${MISSING[@]}"
fi

step "Web packages (web/node_modules)"
WEB="$ROOT/web"
STAMP="$WEB/node_modules/.streamspace-lock.sha256"
LOCK_SUM="$(sha256sum "$WEB/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$LOCK_SUM" ]]; then
  echo "up to date with package-lock.json"
else
  echo "node $(node --version), npm $(npm --version)"
  # swagger-ui-dist depends on @scarf/scarf, whose install script reports downloads.
  (cd "$WEB" && SCARF_ANALYTICS=false npm_config_update_notifier=false \
    npm ci --no-audit --no-fund)
  echo "$LOCK_SUM" >"$STAMP"
fi
for f in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png; do
  if [[ ! -f "$WEB/node_modules/swagger-ui-dist/$f" ]]; then
    echo "setup.sh: web/node_modules/swagger-ui-dist/$f is missing after npm ci" >&2
    exit 1
  fi
done

step "Setup complete"
