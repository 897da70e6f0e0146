# gunicorn reads this file from the working directory (/app in the image) at start-up.
# The access log never records a token from a path: one-tap answer links, calendar feeds, invitations, email
# confirmations and password resets are replaced by "[token]" (coprod/gunicorn_logging.py).
logger_class = "coprod.gunicorn_logging.RedactingLogger"
