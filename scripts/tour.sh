#!/usr/bin/env bash
# The main job: install the package (with what runs notebooks), then run the tour notebook
# notebooks/01-tour.ipynb top to bottom in a real kernel: it connects the bundled demo server,
# browses it, calls its tools. The executed copy goes to build/notebooks/ (git-ignored); its
# path and a short summary of every cell's output are printed. Extra arguments go to
# scripts/run_notebook.py (e.g. -p slow_seconds=2, --out PATH).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
if ! out="$("$PYTHON" -m pip install -q --disable-pip-version-check -e ".[notebook]" 2>&1)"; then
    printf '%s\n' "$out" >&2
    exit 1
fi
printf '%s\n' "$out" | grep -v "^WARNING: Running pip as" || true
exec "$PYTHON" scripts/run_notebook.py notebooks/01-tour.ipynb --summary "$@"
