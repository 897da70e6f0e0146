#!/usr/bin/env bash
# Installs everything, loads the demo data and runs coprod on this machine: the web server and a real Celery
# worker with beat, on the embedded defaults (SQLite under var/, Celery's filesystem transport under var/).
#
# PORT (default 8000) is where the web server listens. It is exported to every process started here, so the
# links in emails and texts (SITE_URL, which follows PORT unless set) point at the same address.
# Emails and texts print in this terminal, from the web server (sign-in codes) and from the worker
# (invitations, reminders); the worker's log goes to var/celery/worker.log.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh
export DJANGO_SETTINGS_MODULE=coprod.settings.local
export PORT="${PORT:-8000}"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
mkdir -p var/celery
# One worker takes both queues (coprod/celery.py): deliveries ("messages") and everything else ("jobs").
.venv/bin/celery -A coprod worker --beat -Q messages,jobs --loglevel=INFO --concurrency=1 \
  --logfile=var/celery/worker.log --pidfile=var/celery/worker.pid --schedule=var/celery/beat-schedule &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
site_url="$(.venv/bin/python -c 'import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)')"
echo
echo "coprod is running. Open http://127.0.0.1:${PORT}/ and sign in with a demo account (see README)."
echo "Links in emails and texts point at ${site_url}."
echo "Emails and texts print here. The Celery worker and beat are running too (log: var/celery/worker.log)."
echo "Press Ctrl+C to stop."
echo
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
