#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for the consent-records tests.
#
#   tests/postgres.sh install      Debian's postgresql, when missing (as root)
#   tests/postgres.sh start DIR    creates the cluster in DIR when new, starts it on a
#                                  free port (the same one again on a restart), prints its URL
#   tests/postgres.sh stop DIR     stops it (fast: sessions are cut, as in an outage)
#
# PostgreSQL refuses to run as root: as root, the cluster belongs to Debian's
# `postgres` user.
set -euo pipefail

command=${1:?usage: tests/postgres.sh install|start DIR|stop DIR}

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$dir/pg_ctl" ] || { echo "PostgreSQL is not installed: tests/postgres.sh install" >&2; exit 1; }
  echo "$dir"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $command in
install)
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  ;;
start)
  dir=$(realpath -m "${2:?a directory}")
  bin=$(bindir)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-instructions >"$dir/initdb.log"
  fi
  if [ ! -f "$dir/port" ]; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$dir/port"
  fi
  port=$(cat "$dir/port")
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  dir=$(realpath -m "${2:?a directory}")
  as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
*)
  echo "usage: tests/postgres.sh install|start DIR|stop DIR" >&2
  exit 2
  ;;
esac
