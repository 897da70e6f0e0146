"""gunicorn's access log, with the tokens in paths replaced (see coprod.log_redaction). Only gunicorn imports
this module (gunicorn.conf.py names it as the logger class)."""

from gunicorn.glogging import Logger

from .log_redaction import redact_path

# The atoms of an access-log line that can hold a path: the request line, the path, the query string, and the
# Referer (the page a person came from may itself be a token link).
PATH_ATOMS = ("r", "U", "q", "f")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in PATH_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_path(atoms[name])
        # Environment and header atoms ("{raw_uri}e", "{referer}i") are looked up by name at format time.
        for name, value in list(atoms.items()):
            if name.startswith("{") and isinstance(value, str):
                atoms[name] = redact_path(value)
        return atoms
