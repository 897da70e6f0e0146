"""A room full of people: each parent signs in with their own account, says yes to the session, asks for help
with travel and then keeps reading their home and the session page; one facilitator checks them in on the
check-in screen as they arrive.

Run by bench/load.py, which seeds a database, writes the plan (BENCH_LOAD_PLAN: the session, the accounts and
the password) and reads back what each person was told (BENCH_LOAD_REPORT), to check it against the database.
By hand, against a server you started:

    BENCH_LOAD_PLAN=plan.json BENCH_LOAD_REPORT=report.json .venv/bin/locust -f bench/locustfile.py \\
        --headless -u 51 -r 51 --run-time 60s --host http://127.0.0.1:8000

Each address is the same (127.0.0.1): the room shares one network, as at a venue's Wi-Fi. With
BENCH_LOAD_FORWARDED=1 each person sends its own X-Forwarded-For, as behind a proxy that says who is who.
"""

import json
import os
import sys
import threading
from collections import Counter
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import sign_in, submit  # noqa: E402

PLAN = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text())
SESSION = PLAN["session"]
SESSION_URL = f"/sessions/{SESSION}/"
FORWARDED = os.environ.get("BENCH_LOAD_FORWARDED") == "1"

_lock = threading.Lock()
_next_parent = iter(range(len(PLAN["parents"])))
REPORT = {
    "status": Counter(),  # responses by class: 200, 300, 400, 500; "error" when no response came
    "slow": 0,  # responses that took more than 3 seconds
    "requests": 0,
    "signed_in": [],
    "sign_in_failed": [],
    "answered": [],  # told "You said yes"
    "answer_failed": [],
    "asked_support": [],  # taken back to the session page: the request was made
    "support_failed": [],
    "checked_in": [],  # person ids the facilitator was told are checked in
    "checkin_failed": [],
    "times": {},  # milliseconds per kind of request (locust's name)
}


@events.request.add_listener
def _count(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    code = getattr(response, "status_code", 0) if response is not None else 0
    with _lock:
        REPORT["requests"] += 1
        REPORT["status"][str(code // 100 * 100) if code else "error"] += 1
        if response_time > 3000:
            REPORT["slow"] += 1
        REPORT["times"].setdefault(name, []).append(round(response_time))


@events.test_stop.add_listener
def _write_report(environment, **kwargs):
    path = os.environ.get("BENCH_LOAD_REPORT")
    if path:
        Path(path).write_text(json.dumps(REPORT, indent=1))


def _redirected(response) -> bool:
    """The form was accepted: the server sent the browser on (a refused form is shown again, 200, no redirect)."""
    return bool(response.history) and response.history[0].status_code in (302, 303) and response.status_code == 200


class Parent(HttpUser):
    wait_time = between(1, 3)
    weight = 50

    def on_start(self):
        with _lock:
            self.number = next(_next_parent, None)
        if self.number is None:
            self.stop()
            return
        self.email = PLAN["parents"][self.number]
        if FORWARDED:
            self.client.headers["X-Forwarded-For"] = f"10.1.{self.number // 250}.{self.number % 250 + 1}"
        try:
            sign_in(self.client, self.host, self.email, PLAN["password"], timeout=60, name="sign in")
        except Exception:  # noqa: BLE001 - what went wrong is in the status counts; this person is recorded
            REPORT["sign_in_failed"].append(self.email)
            self.stop()
            return
        REPORT["signed_in"].append(self.email)
        self._answer()
        self._ask_for_support()

    def _answer(self):
        try:
            response = submit(
                self.client,
                SESSION_URL,
                action=f"{SESSION_URL}answer/",
                having={"answer": "yes"},
                timeout=60,
                name="session page, say yes",
            )
            ok = _redirected(response) and "You said yes" in response.text
        except Exception:  # noqa: BLE001
            ok = False
        REPORT["answered" if ok else "answer_failed"].append(self.email)

    def _ask_for_support(self):
        try:
            response = submit(
                self.client,
                f"{SESSION_URL}support/",
                action=f"{SESSION_URL}support/",
                data={"kind": "travel", "travel_mode": "public", "expected_cost": "4.50"},
                timeout=60,
                name="ask for help with travel",
            )
            ok = _redirected(response) and response.url.rstrip("/").endswith(SESSION_URL.rstrip("/"))
        except Exception:  # noqa: BLE001
            ok = False
        REPORT["asked_support" if ok else "support_failed"].append(self.email)

    @task(3)
    def home(self):
        self.client.get("/", name="home", timeout=60)

    @task(1)
    def session_page(self):
        self.client.get(SESSION_URL, name="session page", timeout=60)


class Facilitator(HttpUser):
    wait_time = between(0.2, 0.6)  # a quick tap per person at the door
    fixed_count = 1

    def on_start(self):
        self.waiting = list(PLAN["person_ids"])
        sign_in(self.client, self.host, PLAN["facilitator"], PLAN["password"], timeout=60, name="sign in")

    @task
    def check_in_next(self):
        if not self.waiting:
            self.client.get(f"{SESSION_URL}check-in/", name="check-in screen", timeout=60)
            return
        person = self.waiting.pop(0)
        try:
            response = submit(
                self.client,
                f"{SESSION_URL}check-in/",
                action=f"{SESSION_URL}check-in/",
                having={"action": "checkin", "person": str(person)},
                data={f"in-{person}-feeling": "4"},
                timeout=60,
                name="check-in screen, check in",
            )
            ok = _redirected(response)
        except Exception:  # noqa: BLE001
            ok = False
        REPORT["checked_in" if ok else "checkin_failed"].append(person)
