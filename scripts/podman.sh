#!/usr/bin/env bash
# A podman service answering the Docker Engine API on a unix socket, for the docker
# platform's tests (scripts/test.sh) and for trying `streamspace agent --platform docker`
# on a machine without Docker:
#
#   scripts/podman.sh start DIR   prints the DOCKER_HOST (unix://DIR/podman.sock) once it answers
#   scripts/podman.sh stop DIR
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CONTAINERS_CONF="$ROOT/scripts/podman-containers.conf"

if (($# != 2)); then
  echo "usage: scripts/podman.sh start|stop DIR" >&2
  exit 2
fi
ACTION="$1"
DIR="$2"
SOCK="$DIR/podman.sock"

case "$ACTION" in
  start)
    mkdir -p "$DIR"
    podman system service --time=0 "unix://$SOCK" >"$DIR/podman.log" 2>&1 &
    echo $! >"$DIR/podman.pid"
    for _ in $(seq 1 100); do
      if curl -sf --unix-socket "$SOCK" http://d/v1.41/version >/dev/null 2>&1; then
        echo "unix://$SOCK"
        exit 0
      fi
      sleep 0.1
    done
    echo "podman.sh: the service did not answer on $SOCK (log: $DIR/podman.log)" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$DIR/podman.pid" ]]; then
      kill "$(cat "$DIR/podman.pid")" 2>/dev/null || true
      rm -f "$DIR/podman.pid"
    fi
    ;;
  *)
    echo "podman.sh: unknown action '$ACTION'" >&2
    exit 2
    ;;
esac
