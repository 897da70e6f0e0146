#!/usr/bin/env bash
# Installs everything, loads the demo data and runs coprod on this machine: the web server and a real Celery
# worker with beat, on the embedded defaults (SQLite under var/, Celery's filesystem transport under var/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh
export DJANGO_SETTINGS_MODULE=coprod.settings.local
PORT="${PORT:-8000}"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
mkdir -p var/celery
.venv/bin/celery -A coprod worker --beat --loglevel=INFO --concurrency=1 --logfile=var/celery/worker.log \
  --pidfile=var/celery/worker.pid --schedule=var/celery/beat-schedule &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo
echo "coprod is running. Open http://127.0.0.1:${PORT}/ and sign in with a demo account (see README)."
echo "The Celery worker and beat are running too (log: var/celery/worker.log). Press Ctrl+C to stop."
echo
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
