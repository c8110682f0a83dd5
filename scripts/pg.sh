#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, in a directory of its own.
#   scripts/pg.sh start DIR PORT   initdb into DIR/db (user ss, trust auth), start it on
#                                  127.0.0.1:PORT with its socket in DIR, print its URL
#   scripts/pg.sh start DIR auto   the same on the first free port of 25432-25451
#   scripts/pg.sh stop DIR [PORT]  stop it and remove DIR
# As root the server runs as the postgres user, which then owns DIR.
set -euo pipefail

usage() {
  echo "usage: scripts/pg.sh start DIR PORT | stop DIR [PORT]" >&2
  exit 2
}
(($# >= 2)) || usage
ACTION="$1"
DIR="$2"
PORT="${3:-}"
[[ -n "$DIR" ]] || usage
DIR="$(realpath -m -- "$DIR")"
[[ "$DIR" != "/" ]] || usage
# The postgres user may not be allowed into the caller's working directory.
cd /
MARKER=".streamspace-pg"

PG_BIN=""
for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [[ -x "$candidate/pg_ctl" ]]; then
    PG_BIN="$candidate"
    break
  fi
done
if [[ -z "$PG_BIN" ]]; then
  echo "pg.sh: no PostgreSQL server under /usr/lib/postgresql/*/bin (run scripts/setup.sh --test)" >&2
  exit 1
fi

AS_PG=()
if [[ "$(id -u)" == 0 ]]; then AS_PG=(runuser -u postgres --); fi

case "$ACTION" in
  start)
    # "auto" stays below Linux's ephemeral range (32768+), where a client socket or a
    # container's published port could already hold any fixed choice.
    if [[ "$PORT" == auto ]]; then
      PORTS=($(seq 25432 25451))
    elif [[ "$PORT" =~ ^[0-9]+$ ]]; then
      PORTS=("$PORT")
    else
      usage
    fi
    mkdir -p "$DIR"
    touch "$DIR/$MARKER"
    if ((${#AS_PG[@]})); then
      chown postgres:postgres "$DIR" "$DIR/$MARKER"
      chmod 700 "$DIR"
    fi
    if [[ ! -f "$DIR/db/PG_VERSION" ]]; then
      "${AS_PG[@]}" "$PG_BIN/initdb" -D "$DIR/db" -A trust -U ss -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$DIR/initdb.log" 2>&1 || {
        echo "pg.sh: initdb failed; its log:" >&2
        cat "$DIR/initdb.log" >&2
        exit 1
      }
    fi
    if "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DIR/db" status >/dev/null 2>&1; then
      PORT="$(sed -n 4p "$DIR/db/postmaster.pid")"
    else
      started=0
      for PORT in "${PORTS[@]}"; do
        # Each integration test server opens a pool of connections and gets a database of
        # its own, so allow more connections than the default 100; durability does not
        # matter here. Dynamic shared memory lives in the data directory so that a small or
        # missing /dev/shm on the test machine cannot stop the server.
        opts="-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off"
        opts+=" -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        opts+=" -c dynamic_shared_memory_type=mmap"
        rm -f "$DIR/log"
        if "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DIR/db" -o "$opts" -l "$DIR/log" -w -t 120 \
          start >/dev/null; then
          started=1
          break
        fi
        if ! grep -q -e 'could not bind' -e 'could not create any TCP/IP sockets' "$DIR/log" \
          2>/dev/null; then
          break
        fi
        echo "pg.sh: port $PORT is taken" >&2
      done
      if ((!started)); then
        echo "pg.sh: PostgreSQL did not start; its log:" >&2
        cat "$DIR/log" >&2 || true
        exit 1
      fi
    fi
    echo "postgresql://ss@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    if [[ ! -d "$DIR" ]]; then exit 0; fi
    if [[ ! -e "$DIR/$MARKER" ]]; then
      echo "pg.sh: $DIR was not made by pg.sh start; leaving it alone" >&2
      exit 1
    fi
    if [[ -f "$DIR/db/PG_VERSION" ]] &&
      "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DIR/db" status >/dev/null 2>&1; then
      "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DIR/db" -w -t 60 stop -m fast >/dev/null
    fi
    rm -rf "$DIR"
    ;;
  *) usage ;;
esac
