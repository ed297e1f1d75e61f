#!/usr/bin/env bash
# The main job: install the package, then tour the bundled demo server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
"$PYTHON" -m pip install -q --disable-pip-version-check -e . 2>&1 | grep -v "^WARNING: Running pip as" || true
exec "$PYTHON" examples/tour.py
