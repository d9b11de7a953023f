#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: tests/with_postgres.sh COMMAND [ARGS...]
#
# Installs Debian's postgresql packages if they are missing, runs initdb in a temporary folder as an
# unprivileged user, starts the server on a free local port (socket in that folder too), exports DATABASE_URL
# for COMMAND, and removes the whole cluster afterwards, also when COMMAND fails or is interrupted.
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PG_BIN="${PG_BIN:-$(find_bin)}"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's postgresql for the PostgreSQL tests" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PG_VERSION" >/dev/null \
      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PG_BIN="$(find_bin)"
  fi
fi
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL is missing: run 'apt-get install postgresql' as root" >&2
  exit 1
fi

# The server refuses to run as root: use the package's own 'postgres' user (or nobody) when we are root.
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  PG_USER="$(id -u postgres >/dev/null 2>&1 && echo postgres || echo nobody)"
  RUN_AS=(runuser -u "$PG_USER" --)
fi

TMP="$(mktemp -d /tmp/pg-throwaway.XXXXXX)"
chmod 755 "$TMP"
[ "${#RUN_AS[@]}" -gt 0 ] && chown "$PG_USER" "$TMP"
cleanup() {
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="${PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$TMP/data" -U postgres --auth=trust --no-locale -E UTF8 >"$TMP/initdb.log" 2>&1 \
  || { cat "$TMP/initdb.log" >&2; exit 1; }
# Tests need no durability (PG_DURABLE=0: no fsync, faster); benchmarks keep the server's defaults (PG_DURABLE=1).
OPTS="-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c max_connections=200"
[ "${PG_DURABLE:-0}" = 1 ] || OPTS="$OPTS -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w -t 60 -o "$OPTS" \
  start >/dev/null || { cat "$TMP/server.log" >&2; exit 1; }

export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
export TEST_DATABASE_URL="$DATABASE_URL"  # the tests make their own schemas in it
export PG_THROWAWAY_DIR="$TMP"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PORT (removed afterwards)" >&2
"$@"
