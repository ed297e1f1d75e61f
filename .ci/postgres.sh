#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback for the shared repository tests.
#
# Installs PostgreSQL from Debian's packages when missing, runs initdb + pg_ctl as the
# `postgres` user in a temp dir (trust auth, 127.0.0.1 only), creates the database
# `mcp_workbench_test` and prints its DSN on stdout (everything else goes to stderr), so:
#
#     export MCP_WORKBENCH_TEST_PG="$(bash .ci/postgres.sh)"
#
# Idempotent: re-running while the cluster is up only prints the DSN again.
# Stop it with: bash .ci/postgres.sh stop
set -euo pipefail

PORT="${MCP_WORKBENCH_PG_PORT:-55432}"
DATA="${MCP_WORKBENCH_PG_DIR:-${TMPDIR:-/tmp}/mcp-workbench-pg-$PORT}"
DB="mcp_workbench_test"
DSN="postgresql://postgres@127.0.0.1:$PORT/$DB"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
    # Newest installed major version; Debian keeps the server binaries out of PATH.
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
    fi
}

BIN="$(find_bindir)"
if [[ -z "$BIN" ]]; then
    if [[ "$(id -u)" != 0 ]]; then
        log "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
        exit 1
    fi
    log "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y postgresql >&2
    BIN="$(find_bindir)"
    if [[ -z "$BIN" ]]; then
        log "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb was found"
        exit 1
    fi
fi

# The server refuses to run as root: run every cluster command as `postgres` when we are root.
if [[ "$(id -u)" == 0 ]]; then
    OWNER="postgres"
    as_owner() { runuser -u postgres -- "$@"; }
else
    OWNER="$(id -un)"
    as_owner() { "$@"; }
fi

if [[ "${1:-}" == "stop" ]]; then
    if [[ -f "$DATA/PG_VERSION" ]]; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2 || true
    fi
    exit 0
fi

if [[ ! -f "$DATA/PG_VERSION" ]]; then
    log "initdb in $DATA (owner $OWNER)"
    mkdir -p "$DATA"
    chown "$OWNER" "$DATA"
    chmod 700 "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=trust >&2
fi

if as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "already running on 127.0.0.1:$PORT"
else
    log "starting on 127.0.0.1:$PORT"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$DATA' -c fsync=off" \
        start >&2 || { log "start failed; tail of $DATA/server.log:"; tail -n 20 "$DATA/server.log" >&2; exit 1; }
fi

PSQL=("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
if [[ "$("${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]]; then
    log "creating database $DB"
    "${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB" >&2
fi

echo "$DSN"
