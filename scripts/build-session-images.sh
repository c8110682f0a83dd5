#!/usr/bin/env bash
# Builds the container images the built-in templates name for the docker and kubernetes
# platforms, from Debian packages only (no registry): mmdebstrap makes a minimal Debian 12
# root file system with Xvnc and the app, `podman import` (or `docker import`) turns it into
# an image. Idempotent: an image that exists is kept unless --force.
#
#   scripts/build-session-images.sh [--force] [terminal|firefox ...]   (default: terminal)
#
# Images: localhost/streamspace-session-terminal:1 (Xvnc, xterm),
#         localhost/streamspace-session-firefox:1  (Xvnc, firefox-esr).
# Needs root (mmdebstrap, podman); scripts/setup.sh --test installs the tools.
set -euo pipefail

FORCE=0
NAMES=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    terminal | firefox) NAMES+=("$arg") ;;
    -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "build-session-images.sh: unknown argument '$arg'" >&2
      exit 2
      ;;
  esac
done
((${#NAMES[@]})) || NAMES=(terminal)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# podman runs with the project's settings (scripts/podman-containers.conf), not the machine's.
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/scripts/podman-containers.conf}"
ENGINE="${CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}"
if [[ -z "$ENGINE" ]]; then
  echo "build-session-images.sh: neither podman nor docker is installed" >&2
  exit 1
fi

packages_for() {
  # xfonts-base: the fixed font xterm needs; procps: ps/kill for debugging in a session.
  case "$1" in
    terminal) echo "tigervnc-standalone-server,xterm,xfonts-base" ;;
    firefox) echo "tigervnc-standalone-server,firefox-esr,xfonts-base,fonts-dejavu-core" ;;
  esac
}

for name in "${NAMES[@]}"; do
  image="localhost/streamspace-session-$name:1"
  if ((!FORCE)) && "$ENGINE" image exists "$image" 2>/dev/null; then
    echo "$image: present"
    continue
  fi
  work="$(mktemp -d /tmp/streamspace-image.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  echo "$image: mmdebstrap (minbase + $(packages_for "$name"))"
  mmdebstrap --quiet --variant=minbase --include="$(packages_for "$name")" \
    --customize-hook='mkdir -p "$1/home/user" && chmod 0777 "$1/home/user"' \
    bookworm "$work/rootfs.tar"
  echo "$image: import"
  "$ENGINE" import --change 'CMD ["/bin/sh"]' --change 'ENV HOME=/home/user' \
    --change 'WORKDIR /home/user' "$work/rootfs.tar" "$image" >/dev/null
  rm -rf "$work"
  trap - EXIT
  echo "$image: built"
done
