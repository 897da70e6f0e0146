"""Redis stops in the middle of a run: does the site stay up, and does every message still go out exactly once?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coprod .venv/bin/python bench/faults_redis.py
    ... bench/faults_redis.py --duration 45 --stop-at 10 --start-at 25

It starts its own redis-server on a free loopback port (never the shared one on 6379; with an append-only file as
in docker-compose.yml, or none with --no-persistence), a throwaway database (bench_faults_redis_<pid>,
seed_scale --scale 0.1), gunicorn with the production settings (bench/settings.py, two workers) and one Celery
worker taking both queues (started again if it exits, as docker-compose's restart policy would, and counted),
all pointed at that Redis, with email written to files. Then, for
--duration seconds, people sign in one after another and ask for help with travel, while a facilitator publishes
one session after another (each invites its whole group). Redis is stopped at --stop-at and started again at
--start-at. Afterwards the dispatcher runs until nothing is waiting (at most --drain seconds), and the script
reports, before, during and after the outage: requests, 5xx, no response, slow ones (over 3 s); then the messages
expected, made, sent, lost (expected but not sent) and duplicated (the same email delivered twice).
Exit status 1 when there was a 5xx, a lost message or a duplicate.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Traffic,
    create_database,
    database_url,
    database_url_for,
    drop_database,
    free_port,
    mailbox,
    markdown,
    migrate_and_seed,
    server_env,
    setup_django,
    signed_in,
    start_celery_worker,
    start_gunicorn,
    stop,
    submit,
)


def start_redis(port: int, folder: Path, *, persistent: bool = True) -> subprocess.Popen:
    """Our own redis-server. Persistent (append-only file) as in docker-compose.yml, so what was queued survives
    a restart; without, a restart loses the queue too."""
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "yes" if persistent else "no", "--dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def prepare(*, drafts: int) -> dict:
    """Draft sessions for a facilitator to publish, and a session to come that every parent has said yes to."""
    from django.db import transaction
    from django.utils import timezone

    from groups.models import Group, Membership, User
    from notifications.models import Message
    from sessions_app.management.commands.seed_scale import SCALE_PASSWORD
    from sessions_app.models import Rsvp, Session, SessionFacilitator, Venue

    now = timezone.now()
    with transaction.atomic():
        group = Group.objects.order_by("pk").first()
        lead, support = [
            m.user
            for m in Membership.objects.active()
            .filter(group=group, role="facilitator")
            .select_related("user")
            .order_by("pk")[:2]
        ]
        venue = Venue.objects.filter(organisation=group.organisation).first()

        def session(title, starts, status):
            s = Session.objects.create(
                group=group,
                title=title,
                purpose="A fault run.",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                venue=venue,
                status=status,
                published_at=now if status == "published" else None,
                created_by=lead,
            )
            SessionFacilitator.objects.create(session=s, user=lead, role="lead")
            SessionFacilitator.objects.create(session=s, user=support, role="support")
            return s

        upcoming = session("Fault run: the meeting people ask help for", now + timedelta(days=7), "published")
        parents = list(User.objects.filter(email__startswith="parent").order_by("pk"))
        members = set(Membership.objects.active().filter(group=group).values_list("user_id", flat=True))
        Membership.objects.bulk_create(
            [Membership(group=group, user=p, role="parent") for p in parents if p.pk not in members]
        )
        Rsvp.objects.bulk_create([Rsvp(session=upcoming, user=p, answer="yes") for p in parents])
        to_publish = [
            session(f"Fault run: draft {i + 1}", now + timedelta(days=10, hours=i), "draft").pk for i in range(drafts)
        ]
    return {
        "group": group.pk,
        "upcoming": upcoming.pk,
        "drafts": to_publish,
        "parents": [p.email for p in parents],
        "facilitator": lead.email,
        "password": SCALE_PASSWORD,
        "last_message_before": Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }


def people_loop(traffic: Traffic, base: str, plan: dict, emails: list, until: float, outcome: dict):
    url = f"{base}/sessions/{plan['upcoming']}/support/"
    while traffic.now() < until and emails:
        email = emails.pop(0)
        client = requests.Session()
        login = f"{base}/accounts/login/"
        traffic.call(
            "sign in",
            lambda c=client, e=email, u=login: submit(
                c, u, action="/accounts/login/", data={"login": e, "password": plan["password"]}, timeout=60
            ),
        )
        if "sessionid" not in client.cookies:
            outcome["sign-in refused or failed"].append(email)
            continue
        response = traffic.call(
            "ask for support",
            lambda c=client: submit(
                c, url, action=url.removeprefix(base), data={"kind": "travel", "travel_mode": "public"}, timeout=60
            ),
        )
        if response is not None and response.history and response.status_code == 200:
            outcome["support told made"].append(email)


def publisher_loop(traffic: Traffic, base: str, plan: dict, until: float, outcome: dict):
    client = signed_in(base, plan["facilitator"], plan["password"], timeout=60)
    for session_id in plan["drafts"]:
        if traffic.now() >= until:
            break
        url = f"{base}/sessions/{session_id}/publish/"
        response = traffic.call("publish", lambda u=url: submit(client, u, action=u.removeprefix(base), timeout=60))
        if response is not None and response.history and response.status_code == 200:
            outcome["published told"].append(session_id)
        time.sleep(1.5)


class Supervisor:
    """Starts the Celery worker again when it exits, as docker-compose's `restart: unless-stopped` does."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.restarts = env, log, 0
        self.worker = start_celery_worker(env, log=log.open("a"))

    def check(self):
        if self.worker.poll() is not None:
            self.restarts += 1
            self.worker = start_celery_worker(self.env, log=self.log.open("a"))


def drain(seconds: float, supervisor: Supervisor) -> tuple[float, dict]:
    """Runs the dispatcher (as beat would, every few seconds) until no message waits; returns how long it took and
    the messages by status."""
    from django.db import connections

    from notifications.models import Message
    from notifications.tasks import dispatch_due_messages

    waiting = ("pending", "sending", "queued")
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            dispatch_due_messages()
        except Exception as exc:  # noqa: BLE001 - reported; the loop tries again
            print(f"dispatcher: {type(exc).__name__}: {exc}")
        for _ in range(6):
            supervisor.check()
            time.sleep(0.5)
        if not Message.objects.filter(status__in=waiting, send_after__lte=time_now()).exists():
            break
    took = time.monotonic() - started
    by_status = Counter(Message.objects.values_list("status", flat=True))
    connections.close_all()
    return took, dict(by_status)


def time_now():
    from django.utils import timezone

    return timezone.now()


def expected_messages(plan: dict) -> dict:
    """Invitations every published draft should have made, against what the log holds."""
    from groups.models import Membership
    from notifications.models import Message
    from notifications.services import channels_for
    from sessions_app.models import Session, session_topic

    expected = made = sent = 0
    for session in Session.objects.filter(pk__in=plan["drafts"], status="published"):
        facilitators = set(session.facilitators.filter(withdrawn_at__isnull=True).values_list("user_id", flat=True))
        people = [
            m.user
            for m in Membership.objects.active().filter(group_id=session.group_id).select_related("user")
            if m.user_id not in facilitators
        ]
        want = {(p.pk, channel) for p in people for channel in channels_for(p)}
        rows = Message.objects.filter(topic=session_topic(session), kind="invitation")
        have = {(m.person_id, m.channel): m.status for m in rows}
        expected += len(want)
        made += len(set(have) & want)
        sent += sum(1 for key in want if have.get(key) == "sent")
    return {"invitations expected": expected, "invitations made": made, "invitations sent": sent}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=45)
    parser.add_argument("--stop-at", type=float, default=10)
    parser.add_argument("--start-at", type=float, default=25)
    parser.add_argument("--drain", type=float, default=90, help="seconds to wait for messages after the run")
    parser.add_argument("--people-threads", type=int, default=2)
    parser.add_argument("--no-persistence", action="store_true", help="Redis keeps nothing across its restart")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench_faults_redis_"))
    (workdir / "mail").mkdir()
    redis_port = free_port()
    redis = start_redis(redis_port, workdir, persistent=not args.no_persistence)
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    server_url = database_url()
    name = f"bench_faults_redis_{os.getpid()}"
    url = database_url_for(server_url, name)
    extra = {"REDIS_URL": redis_url, "CACHE_URL": redis_url, "EMAIL_URL": f"filemail:///{workdir / 'mail'}"}
    os.environ.update(extra)
    create_database(server_url, name)
    server = supervisor = None
    try:
        setup_django(url)
        from django.db import connections

        migrate_and_seed(scale=0.1, seed=1)
        plan = prepare(drafts=60)
        connections.close_all()
        env = server_env(url, **extra)
        server, base = start_gunicorn(env, log=(workdir / "gunicorn.log").open("w"))
        supervisor = Supervisor(env, workdir / "worker.log")

        traffic = Traffic()
        outcome = {"support told made": [], "published told": [], "sign-in refused or failed": []}
        emails = list(plan["parents"])
        threads = [
            threading.Thread(target=people_loop, args=(traffic, base, plan, emails, args.duration, outcome))
            for _ in range(args.people_threads)
        ]
        threads.append(threading.Thread(target=publisher_loop, args=(traffic, base, plan, args.duration, outcome)))
        for t in threads:
            t.start()
        while traffic.now() < args.stop_at:
            supervisor.check()
            time.sleep(0.2)
        stop(redis)  # SIGTERM, by its id: our own redis-server only
        stopped_at = traffic.now()
        while traffic.now() < args.start_at:
            supervisor.check()
            time.sleep(0.2)
        redis = start_redis(redis_port, workdir, persistent=not args.no_persistence)
        started_at = traffic.now()
        while any(t.is_alive() for t in threads) and traffic.now() < args.duration + 120:
            supervisor.check()
            time.sleep(0.2)
        ended_at = traffic.now()

        drained_in, by_status = drain(args.drain, supervisor)
        time.sleep(2)
        copies = Counter(mailbox(workdir / "mail"))
        invitations = expected_messages(plan)
        from notifications.models import Message

        made = Message.objects.filter(pk__gt=plan["last_message_before"])
        not_sent = made.exclude(status="sent").count()
        emails_sent = {str(pk) for pk in made.filter(channel="email", status="sent").values_list("pk", flat=True)}
        connections.close_all()
        windows = {
            "before": (0, stopped_at),
            "Redis down": (stopped_at, started_at),
            "after": (started_at, ended_at + 1),
        }
        rows = traffic.summary(windows)
        figures = {
            "Redis stopped at s": round(stopped_at, 1),
            "Redis started at s": round(started_at, 1),
            "sessions published (told)": len(outcome["published told"]),
            "sign-ins refused or failed": len(outcome["sign-in refused or failed"]),
            "support requests (told made)": len(outcome["support told made"]),
            **invitations,
            "messages by status after draining": by_status,
            "messages made in the run": made.count(),
            "messages made in the run not sent": not_sent,
            "drained in s": round(drained_in, 1),
            "worker restarts (it exited)": supervisor.restarts,
            "emails delivered": sum(copies.values()),
            "emails marked sent but not delivered": len(emails_sent - set(copies)),
            "emails delivered more than once (extra copies)": sum(n - 1 for n in copies.values() if n > 1),
        }
        kept = "nothing kept" if args.no_persistence else "append-only file, as docker-compose.yml"
        print(f"\nRedis ({kept}) stopped for {started_at - stopped_at:.0f} s of a {args.duration:.0f} s run\n")
        print(markdown(rows))
        print("\n| Figure | Value |\n| --- | ---: |")
        for key, value in figures.items():
            print(f"| {key} | {value} |")
        print(f"\nLogs: {workdir}")
        if args.json:
            Path(args.json).write_text(json.dumps({"requests": rows, "figures": figures}, indent=1, default=str))
        lost = invitations["invitations expected"] - invitations["invitations sent"]
        bad = (
            sum(r["5xx"] for r in rows)
            or lost
            or not_sent
            or figures["emails marked sent but not delivered"]
            or figures["emails delivered more than once (extra copies)"]
        )
        return 1 if bad else 0
    finally:
        for process in (server, supervisor and supervisor.worker, redis):
            if process is not None:
                stop(process)
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"Kept database {name}")
        else:
            drop_database(server_url, name)


if __name__ == "__main__":
    sys.exit(main())
