"""PostgreSQL restarts in the middle of a run: how many requests fail, what people see, and how long until the
site answers again; and is every answer people were told was saved still there?

    .venv/bin/python bench/faults_postgres.py
    .venv/bin/python bench/faults_postgres.py --duration 40 --restart-at 12

It never touches the shared PostgreSQL (that is `pg_ctlcluster`'s): it makes a private cluster with initdb in a
temporary folder on a free loopback port (as the postgres user when run as root), migrates and seeds it
(seed_scale --scale 0.1), starts gunicorn (production settings through bench/settings.py, two workers; the cache
and broker on Redis database 11 of 127.0.0.1:6379 unless REDIS_URL says otherwise), and for --duration seconds
has people sign in, open their home page, say yes to a session and open it, several at once. At --restart-at it
restarts the cluster (`pg_ctl restart -m fast`). It reports requests, 5xx and no response before, during and
after, what the failed requests showed (the site's own error page or gunicorn's), the recovery time (from the
restart to the first request that succeeded after the last failure), and answers lost or duplicated.
Exit status 1 when an answer was lost or duplicated, or recovery took more than 30 s.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Traffic,
    create_database,
    free_port,
    markdown,
    migrate_and_seed,
    server_env,
    setup_django,
    start_gunicorn,
    stop,
    submit,
)


class PrivateCluster:
    """A PostgreSQL cluster of our own in a temporary folder."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data, self.log = folder / "data", folder / "postgres.log"
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise SystemExit("No PostgreSQL server binaries in /usr/lib/postgresql/*/bin.")
        self.bin = Path(found[-1]).parent
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(folder, "postgres", "postgres")

    def _run(self, *command, check=True):
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return subprocess.run([*prefix, *map(str, command)], check=check, capture_output=True, text=True)  # noqa: S603

    def init(self):
        self._run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.pg_ctl("start")

    def pg_ctl(self, action: str, *more):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        return self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", action, *more)

    def stop(self):
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/bench"


def prepare() -> dict:
    """A session to come in the first group, whose members the run signs in as."""
    from datetime import timedelta

    from django.utils import timezone

    from groups.models import Group, Membership
    from sessions_app.management.commands.seed_scale import SCALE_PASSWORD
    from sessions_app.models import Session, SessionFacilitator, Venue

    now = timezone.now()
    group = Group.objects.order_by("pk").first()
    lead, support = [
        m.user for m in Membership.objects.active().filter(group=group, role="facilitator").order_by("pk")[:2]
    ]
    session = Session.objects.create(
        group=group,
        title="Fault run: the meeting",
        purpose="A fault run.",
        starts_at=now + timedelta(days=7),
        ends_at=now + timedelta(days=7, hours=2),
        venue=Venue.objects.filter(organisation=group.organisation).first(),
        status="published",
        published_at=now,
        created_by=lead,
    )
    SessionFacilitator.objects.create(session=session, user=lead, role="lead")
    SessionFacilitator.objects.create(session=session, user=support, role="support")
    parents = [
        m.user.email
        for m in Membership.objects.active().filter(group=group, role="parent").select_related("user").order_by("pk")
    ]
    return {"session": session.pk, "parents": parents, "password": SCALE_PASSWORD}


def note_error_page(response, pages: Counter):
    """Which page a 5xx showed: a bare one (gunicorn's, or Django's without our template), or the site's own
    (templates/500.html, 503.html)."""
    if response is not None and response.status_code >= 500:
        bare = any(text in response.text[:300] for text in ("Internal Server Error", "Server Error (500)"))
        pages["a bare page (gunicorn's or Django's)" if bare else "our page"] += 1


def person_loop(traffic: Traffic, base: str, plan: dict, queue: list, until: float, told: list, pages: Counter):
    session_url = f"{base}/sessions/{plan['session']}/"
    while traffic.now() < until:
        email = queue.pop(0)
        queue.append(email)
        client = requests.Session()
        client.headers["X-Forwarded-For"] = f"10.1.{zlib.crc32(email.encode()) % 250}.{len(email) % 250 + 1}"
        response = traffic.call(
            "sign in",
            lambda c=client, e=email: submit(
                c, f"{base}/accounts/login/", action="/accounts/login/", data={"login": e, "password": plan["password"]}
            ),
        )
        note_error_page(response, pages)
        if "sessionid" not in client.cookies:
            time.sleep(0.5)
            continue
        for what, call in (
            ("home", lambda c=client: c.get(f"{base}/", timeout=60)),
            (
                "say yes",
                lambda c=client: submit(
                    c, session_url, action=f"/sessions/{plan['session']}/answer/", having={"answer": "yes"}, timeout=60
                ),
            ),
            ("session page", lambda c=client: c.get(session_url, timeout=60)),
        ):
            response = traffic.call(what, call)
            note_error_page(response, pages)
            if what == "say yes" and response is not None and response.history and "You said yes" in response.text:
                told.append(email)


def recovery_seconds(traffic: Traffic, restart_at: float) -> float | None:
    """From the restart to the start of the first request that succeeded after the last one that failed."""
    records = sorted(traffic.records, key=lambda r: r["at"])
    failed = [r for r in records if not r["ok"] and r["at"] + r["took"] >= restart_at]
    if not failed:
        return 0.0
    last_failed_end = max(r["at"] + r["took"] for r in failed)
    after = [r for r in records if r["ok"] and r["at"] >= last_failed_end]
    return round(after[0]["at"] - restart_at, 1) if after else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=40)
    parser.add_argument("--restart-at", type=float, default=12)
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder (logs)")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench_faults_pg_"))
    cluster = PrivateCluster(folder, free_port())
    server = None
    try:
        cluster.init()
        create_database(cluster.url, "bench")
        setup_django(cluster.url)
        from django.db import connections

        migrate_and_seed(scale=0.1, seed=1)
        plan = prepare()
        connections.close_all()
        # each person from their own address behind one proxy, as at a venue with a proxy in front: allauth's limit
        # of 120 sign-ins a minute per address would otherwise refuse this script's own sign-in loop
        server, base = start_gunicorn(
            server_env(cluster.url, TRUSTED_PROXY_COUNT="1"), log=(folder / "gunicorn.log").open("w")
        )

        traffic, told, pages = Traffic(), [], Counter()
        queue = list(plan["parents"])
        threads = [
            threading.Thread(target=person_loop, args=(traffic, base, plan, queue, args.duration, told, pages))
            for _ in range(args.threads)
        ]
        for t in threads:
            t.start()
        while traffic.now() < args.restart_at:
            time.sleep(0.1)
        restart_began = traffic.now()
        cluster.pg_ctl("restart", "-m", "fast")
        restart_done = traffic.now()
        for t in threads:
            t.join(timeout=args.duration + 120)
        ended = traffic.now()

        from django.db.models import Count

        from groups.models import User
        from sessions_app.models import Rsvp

        ids = dict(User.objects.filter(email__in=set(told)).values_list("email", "pk"))
        rows = dict(
            Rsvp.objects.filter(session_id=plan["session"])
            .values("user_id")
            .annotate(n=Count("pk"))
            .values_list("user_id", "n")
        )
        connections.close_all()
        recovery = recovery_seconds(traffic, restart_began)
        windows = {
            "before": (0, restart_began),
            "restart": (restart_began, restart_done + 5),
            "after": (restart_done + 5, ended + 1),
        }
        summary = traffic.summary(windows)
        figures = {
            "restart began at s": round(restart_began, 1),
            "pg_ctl restart took s": round(restart_done - restart_began, 1),
            "requests": len(traffic.records),
            "5xx": sum(r["5xx"] for r in summary),
            "no response": sum(r["no response"] for r in summary),
            "5xx pages shown": dict(pages),
            "recovery s (restart to first success after the last failure)": recovery,
            "answers told saved (distinct people)": len(ids),
            "answers lost": len(set(ids.values()) - set(rows)),
            "answers duplicated": sum(n - 1 for n in rows.values() if n > 1),
        }
        print(f"\nPostgreSQL restarted at {restart_began:.0f} s of a {args.duration:.0f} s run\n")
        print(markdown(summary))
        print("\n| Figure | Value |\n| --- | ---: |")
        for key, value in figures.items():
            print(f"| {key} | {value} |")
        if args.json:
            Path(args.json).write_text(json.dumps({"requests": summary, "figures": figures}, indent=1))
        bad = figures["answers lost"] or figures["answers duplicated"] or recovery is None or recovery > 30
        return 1 if bad else 0
    finally:
        if server is not None:
            stop(server)
        cluster.stop()
        if args.keep:
            print(f"Kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
