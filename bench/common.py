"""What the bench scripts share: throwaway databases, gunicorn under the bench settings, forms and signing in.

Nothing here is imported by the site; only by bench/ scripts and tests/bench/.
"""

import base64
import hashlib
import hmac
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coprod"


# --- databases ---


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)


def database_url_for(url: str, name: str) -> str:
    """The same server, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def run_sql(url: str, sql: str):
    """One statement on the server's `postgres` database (where databases are created and dropped)."""
    import psycopg2

    conn = psycopg2.connect(database_url_for(url, "postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def create_database(url: str, name: str):
    run_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run_sql(url, f'CREATE DATABASE "{name}"')


def drop_database(url: str, name: str):
    run_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str):
    """Django in this process, on the bench settings and the given database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()


def migrate_and_seed(*, scale: float, seed: int = 1, **sizes):
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_scale", scale=scale, seed=seed, **sizes)


# --- the server ---


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(url: str, **extra) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DATABASE_URL": url, **extra}
    env.setdefault("BENCH_CACHE_PREFIX", f"bench-{os.getpid()}-{int(time.time())}")  # a fresh cache per run
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def start_gunicorn(env: dict, *, workers: int = 2, port: int | None = None, log=None, ready_timeout: float = 60):
    """gunicorn as in production (it reads gunicorn.conf.py from the project folder), on a loopback port.
    Returns (process, base URL) once the floor view answers."""
    port = port or free_port()
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "coprod.wsgi:application"]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    out = log or subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at start-up (exit {process.returncode})")
        try:
            if requests.get(f"{base}/bench/floor/", timeout=2).status_code == 200:
                return process, base
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer within {ready_timeout:.0f} s")


def stop(process: subprocess.Popen, timeout: float = 20):
    """Stops one process this script started (by its id), politely first."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- forms ---


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower()}
            self._current["fields"] = {}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("hidden", "text", "email", "password", "number") or (
                kind in ("checkbox", "radio") and "checked" in attrs
            ):
                self._current["fields"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_on(html: str) -> list[dict]:
    """Each form on a page: its action, method and the values it would send as it stands (hidden fields such
    as the CSRF token and any form token included)."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def find_form(html: str, *, action: str = "", having: dict | None = None, page_url: str = "") -> dict:
    """The first form whose action (a form with none posts to its own page) contains `action` and whose fields
    include `having`."""
    for form in forms_on(html):
        target = urlsplit(urljoin(page_url, form["action"] or page_url)).path
        if action in target and all(form["fields"].get(k) == v for k, v in (having or {}).items()):
            return form
    raise LookupError(f"no form with action {action!r} and {having!r} on {page_url or 'the page'}")


def submit(client, page_url: str, *, action: str = "", having=None, data=None, name=None, timeout=30, **kwargs):
    """Opens the page, fills in its form (found by action and hidden values) and sends it, as a browser does;
    returns the response to the form (or the page's, if the page itself failed). `client` is a requests.Session
    or a locust HttpSession (`name` groups locust's figures)."""
    extra = {"name": name} if name else {}
    page = client.get(page_url, timeout=timeout, **extra, **kwargs)
    if page.status_code >= 400:
        return page  # the form's page itself failed: that is the answer the person saw
    form = find_form(page.text, action=action, having=having, page_url=page.url)
    target = urljoin(page.url, form["action"] or page.url)
    return client.post(
        target,
        data={**form["fields"], **(data or {})},
        headers={"Referer": page.url},
        timeout=timeout,
        **({"name": f"{name} (send)"} if name else {}),
        **kwargs,
    )


# --- signing in ---


def totp_now(secret: str, at: float | None = None) -> str:
    """The six-digit code an authenticator app shows (RFC 6238: SHA-1, 30 seconds)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int((time.time() if at is None else at) // 30))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in(client, base: str, email: str, password: str, *, totp_secret=None, timeout=30, name=None):
    """Signs in through allauth's page (and its two-step page when asked). Returns the last response; raises
    if the person is not signed in at the end."""
    response = submit(
        client,
        f"{base}/accounts/login/",
        action="/accounts/login/",
        data={"login": email, "password": password},
        timeout=timeout,
        name=name,
    )
    if "/2fa/authenticate" in response.url:
        if not totp_secret:
            raise RuntimeError(f"{email} needs a two-step code")
        response = submit(client, response.url, data={"code": totp_now(totp_secret)}, timeout=timeout, name=name)
    if response.status_code != 200 or "/accounts/login" in response.url or "sessionid" not in client.cookies:
        raise RuntimeError(f"could not sign in as {email}: {response.status_code} at {response.url}")
    return response


def signed_in(base: str, email: str, password: str, **kwargs) -> requests.Session:
    client = requests.Session()
    sign_in(client, base, email, password, **kwargs)
    return client


# --- traffic during a fault ---


class Traffic:
    """Requests made during a fault run, each with when it started (seconds from the start), what it was, its
    status (0: no response) and how long it took."""

    SLOW = 3.0

    def __init__(self):
        import threading

        self.started = time.monotonic()
        self.records: list[dict] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() - self.started

    def call(self, what: str, fn):
        """Runs fn() (which returns a response, or raises); records it; returns the response or None."""
        at = self.now()
        try:
            response = fn()
            status, ok = response.status_code, response.status_code < 400
        except Exception as exc:  # noqa: BLE001 - recorded, not raised: the run goes on
            response, status, ok = None, 0, False
            error = type(exc).__name__
        else:
            error = ""
        with self._lock:
            self.records.append(
                {"what": what, "at": at, "took": self.now() - at, "status": status, "ok": ok, "error": error}
            )
        return response

    def summary(self, windows: dict[str, tuple[float, float]]) -> list[dict]:
        """Per window and kind of request: count, 5xx, no response, slow, slowest. A request belongs to the window
        in which it ended (one that started before a fault and failed in it counts in the fault's window)."""
        rows = []
        kinds = sorted({r["what"] for r in self.records})
        for window, (start, end) in windows.items():
            for what in kinds:
                chosen = [r for r in self.records if r["what"] == what and start <= r["at"] + r["took"] < end]
                if not chosen:
                    continue
                rows.append(
                    {
                        "window": window,
                        "what": what,
                        "requests": len(chosen),
                        "ok": sum(r["ok"] for r in chosen),
                        "5xx": sum(500 <= r["status"] < 600 for r in chosen),
                        "no response": sum(r["status"] == 0 for r in chosen),
                        "slow (>3 s)": sum(r["took"] > self.SLOW for r in chosen),
                        "slowest s": round(max(r["took"] for r in chosen), 1),
                        "errors": ", ".join(sorted({r["error"] for r in chosen if r["error"]})) or "-",
                    }
                )
        return rows


def markdown(rows: list[dict]) -> str:
    if not rows:
        return "(nothing)"
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "| " + " | ".join("---" for _ in keys) + " |"]
    lines += ["| " + " | ".join(str(row[k]) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def mailbox(folder: Path) -> list[str]:
    """One identity per email Django's file backend wrote into `folder`: the message log's id when the email
    carries it (the X-Coprod-Message header), else its recipient and subject."""
    found = []
    for path in sorted(Path(folder).glob("*")):
        for chunk in path.read_text(errors="replace").split("-" * 79):
            headers = chunk.strip().split("\n\n", 1)[0]
            fields = {}
            for line in headers.replace("\n ", " ").replace("\n\t", " ").splitlines():
                name, _, value = line.partition(": ")
                fields.setdefault(name.lower(), value.strip())
            if "to" in fields:
                found.append(fields.get("x-coprod-message") or f"{fields['to']} / {fields.get('subject', '')}")
    return found


def start_celery_worker(env: dict, log=None) -> subprocess.Popen:
    """One worker taking both queues (messages and jobs), solo pool, as on a laptop."""
    command = [str(ROOT / ".venv" / "bin" / "celery"), "-A", "coprod", "worker", "-Q", "messages,jobs"]
    command += ["--pool", "solo", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
    out = log or subprocess.DEVNULL
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
