# gunicorn reads this file from the working directory (/app in the image) at start-up.
import os

# The access log never records a token from a path: one-tap answer links, calendar feeds, invitations, email
# confirmations and password resets are replaced by "[token]" (coprod/gunicorn_logging.py).
logger_class = "coprod.gunicorn_logging.RedactingLogger"

# A request gets 30 s: no page should take more than a second or two, so one still running after 30 s is a fault
# and nobody is waiting for it. Its worker is killed and replaced (its open transaction rolls back). On a restart
# or deploy, workers get 30 s to finish the request in hand.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))

# PostgreSQL cancels any query of a web request that runs longer than this (production settings read it; only
# gunicorn sets it, so Celery workers, beat and migrations are not limited). A little under `timeout`, so a
# runaway query ends with the app's own error page rather than a killed worker.
os.environ.setdefault("WEB_STATEMENT_TIMEOUT_MS", str(max(timeout - 5, 1) * 1000))
