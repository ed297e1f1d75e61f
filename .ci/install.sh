#!/usr/bin/env bash
# Install everything the test suite needs. Idempotent: safe to re-run.
#
#   bash .ci/install.sh      # developers: install / refresh the toolchain
#   source .ci/install.sh    # .ci/run: same, and the exported variables
#                            # (MCP_WORKBENCH_TEST_PG, ...) reach pytest
#
# Sections (each is a function, called in order at the bottom):
#   1. python   - the package itself plus the `test` extra (pytest,
#                 mcp-server-time, mcp-server-git, psycopg, ...)
#   2. node     - @modelcontextprotocol/server-everything and
#                 @modelcontextprotocol/server-basic-vanillajs (an MCP Apps
#                 example server) into the project-local prefix .ci/node
#                 (git-ignored), so no test ever fetches from the network at
#                 run time
#   3. postgres - delegated to .ci/postgres.sh when that file exists; its
#                 last stdout line is the DSN, exported as
#                 MCP_WORKBENCH_TEST_PG
#   4. browser  - Debian's chromium (apt-get) for the JupyterLab dashboard
#                 test; playwright, jupyterlab... come with the `test` extra
#                 (playwright's own browser download is not used)
#
# Knobs (environment):
#   PYTHON                       interpreter to install into (default: python,
#                                else python3)
#   SERVER_EVERYTHING_VERSION    npm version to install (default: pinned below)
#   SERVER_BASIC_APPS_VERSION    npm version of server-basic-vanillajs (pinned below)
#   MCP_WORKBENCH_TEST_PG        if already set, .ci/postgres.sh is not run
#   MCP_WORKBENCH_CHROMIUM       the chromium binary the browser test drives
#                                (default /usr/bin/chromium)

set -euo pipefail

_ci_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_ci_log() { printf '[install] %s\n' "$*" >&2; }
_ci_die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -z "${PYTHON:-}" ]; then
    if command -v python >/dev/null 2>&1; then PYTHON=python
    elif command -v python3 >/dev/null 2>&1; then PYTHON=python3
    else _ci_die "no python interpreter found (need Python >= 3.11 with pip)"
    fi
fi
export PYTHON

# The version whose feature set tests/third_party.py and the tests were
# written against; bump deliberately.
: "${SERVER_EVERYTHING_VERSION:=2026.8.31}"
# The MCP Apps example whose get-time app tests/apps renders (ui://get-time/mcp-app.html).
: "${SERVER_BASIC_APPS_VERSION:=2.0.3}"

# ---------------------------------------------------------------------------
# 1. Python: the package + the `test` extra
# ---------------------------------------------------------------------------
_ci_install_python() {
    local t0=$SECONDS
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INPUT=1
    # A distro interpreter (PEP 668) refuses plain `pip install`; CI's is not
    # one, but do not fail a developer on Debian's python3 for it.
    if "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) or sys.prefix != sys.base_prefix)'; then
        export PIP_BREAK_SYSTEM_PACKAGES=1
    fi
    _ci_log "python: pip install -e .[test] ($("$PYTHON" --version 2>&1))"
    (cd "$_ci_root" && "$PYTHON" -m pip install -q -e ".[test]")
    _ci_log "python: done in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------------------
# 2. Node: server-everything and server-basic-vanillajs into .ci/node
# ---------------------------------------------------------------------------
# _ci_npm_package NAME VERSION BIN: npm install @modelcontextprotocol/NAME@VERSION
# into .ci/node unless that version and its bin are already there.
_ci_npm_package() {
    local name="$1" version="$2" bin="$3" prefix="$_ci_root/.ci/node" have=""
    local pkg_json="$prefix/node_modules/@modelcontextprotocol/$name/package.json"
    if [ -f "$pkg_json" ]; then
        have="$(node -p "require(process.argv[1]).version" "$pkg_json" 2>/dev/null || true)"
    fi
    if [ "$have" = "$version" ] && [ -x "$prefix/node_modules/.bin/$bin" ]; then
        _ci_log "node: $name $have already in .ci/node"
        return 0
    fi
    _ci_log "node: npm install $name@$version into .ci/node"
    mkdir -p "$prefix"
    # npm's summary goes to stdout (dropped); warnings/errors go to stderr.
    npm install --prefix "$prefix" --no-audit --no-fund --no-progress \
        --loglevel=error --no-update-notifier \
        "@modelcontextprotocol/$name@$version" >/dev/null
    [ -x "$prefix/node_modules/.bin/$bin" ] \
        || _ci_die "npm install finished but .ci/node/node_modules/.bin/$bin is missing"
}

_ci_install_node() {
    local t0=$SECONDS
    command -v npm >/dev/null 2>&1 || _ci_die "npm not found (need Node >= 20 with npm)"
    _ci_npm_package server-everything "$SERVER_EVERYTHING_VERSION" mcp-server-everything
    _ci_npm_package server-basic-vanillajs "$SERVER_BASIC_APPS_VERSION" mcp-server-basic-vanillajs
    _ci_log "node: done in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------------------
# 3. PostgreSQL: .ci/postgres.sh (optional), DSN on its last stdout line
# ---------------------------------------------------------------------------
_ci_install_postgres() {
    local t0=$SECONDS script="$_ci_root/.ci/postgres.sh" out dsn
    if [ ! -f "$script" ]; then
        _ci_log "postgres: .ci/postgres.sh not present, skipped"
        return 0
    fi
    if [ -n "${MCP_WORKBENCH_TEST_PG:-}" ]; then
        _ci_log "postgres: MCP_WORKBENCH_TEST_PG already set, .ci/postgres.sh not run"
        return 0
    fi
    _ci_log "postgres: bash .ci/postgres.sh"
    out="$(bash "$script" </dev/null)" || _ci_die "postgres: .ci/postgres.sh failed (exit $?)"
    # Echo everything but the DSN line so its progress output stays visible.
    if [ "$(printf '%s\n' "$out" | wc -l)" -gt 1 ]; then
        printf '%s\n' "$out" | sed '$d' >&2
    fi
    dsn="$(printf '%s\n' "$out" | tail -n 1)"
    [ -n "$dsn" ] || _ci_die "postgres: .ci/postgres.sh printed no DSN on its last line"
    export MCP_WORKBENCH_TEST_PG="$dsn"
    _ci_log "postgres: MCP_WORKBENCH_TEST_PG exported; done in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------------------
# 4. Browser: Debian's chromium for tests/widgets/test_browser.py
# ---------------------------------------------------------------------------
_ci_install_browser() {
    local t0=$SECONDS bin="${MCP_WORKBENCH_CHROMIUM:-/usr/bin/chromium}" sudo=""
    if [ ! -x "$bin" ]; then
        if [ "$(id -u)" != 0 ]; then
            command -v sudo >/dev/null 2>&1 \
                || _ci_die "browser: $bin is missing and installing it needs root (apt-get install chromium)"
            sudo="sudo"
        fi
        command -v apt-get >/dev/null 2>&1 \
            || _ci_die "browser: $bin is missing and there is no apt-get; install chromium and set MCP_WORKBENCH_CHROMIUM"
        _ci_log "browser: apt-get install chromium"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
        [ -x "$bin" ] || _ci_die "browser: apt-get install chromium finished but $bin is missing"
    fi
    "$PYTHON" -c 'import playwright.sync_api, jupyterlab, ipykernel' \
        || _ci_die "browser: playwright / jupyterlab / ipykernel not importable (the test extra installs them)"
    _ci_log "browser: $("$bin" --version 2>/dev/null | head -n 1) at $bin; done in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------------------
_ci_t0=$SECONDS
_ci_install_python
_ci_install_node
_ci_install_postgres
_ci_install_browser
_ci_log "all done in $((SECONDS - _ci_t0))s"

# Executed rather than sourced: the exports die with this process, so show them.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ -n "${MCP_WORKBENCH_TEST_PG:-}" ]; then
    _ci_log "to use this database in your shell:"
    printf 'export MCP_WORKBENCH_TEST_PG=%q\n' "$MCP_WORKBENCH_TEST_PG"
fi
