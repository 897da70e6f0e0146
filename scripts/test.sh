#!/usr/bin/env bash
# Runs the whole test suite: unit, database (PostgreSQL), Celery through Redis with a real worker, and browser
# journeys in headless Chromium. Installs what it needs first, so it works on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
COPROD_NEEDS_BROWSER=1 source scripts/_setup.sh
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/coprod}"
exec "$VENV/bin/python" -m pytest "$@"
