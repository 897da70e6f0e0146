"""Delivery benchmark: N reminders through the real Redis broker with ONE real Celery worker, end to end.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/coprod .venv/bin/python bench/delivery.py [--messages 10000]
      [--broker redis://127.0.0.1:6379/9] [--batch 100]

It creates its own throwaway PostgreSQL database (test_<name>_<pid>), fills it with --messages / 500 groups of
500 parents, each with a session tomorrow that every parent said yes to, then starts one Celery worker (one
process, a subprocess of this one: `python bench/delivery.py --worker`) on the broker's own Redis database and
times, from one clock:

- making the reminders: the real scheduled check (`checks.reminders_run`), which logs them in bulk and queues
  one delivery task per batch of 100;
- delivering them: until every message is sent.

Email goes to Django's file-based backend in a temporary folder (the worker is another process, so the
in-memory outbox would not do); every email carries its message id in an X-Coprod-Message header, so the
script counts what was delivered against the log: duplicates (an id delivered twice) and lost (a message
marked sent and not delivered, or never sent). Not part of the test suite: figures go in docs/RELIABILITY.md.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coprod.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coprod")

DEFAULT_BROKER = "redis://127.0.0.1:6379/9"
GROUP_SIZE = 500
HEADER = re.compile(rb"^X-Coprod-Message: (\d+)\r?$", re.MULTILINE)


def configure(*, broker: str, mail_dir: str) -> None:
    """Settings for this bench (and its worker), over the test settings: messages through the queue, the
    broker on its own Redis database, results nowhere (nobody reads them), email into files."""
    from django.conf import settings

    settings.MESSAGE_DELIVERY = "queue"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = mail_dir
    settings.CELERY_BROKER_URL = broker
    settings.CELERY_RESULT_BACKEND = None
    settings.DEBUG = False


def run_worker(args) -> None:
    """The worker: one process, both queues, as `scripts/run.sh` runs it on a laptop."""
    configure(broker=args.broker, mail_dir=args.mail_dir)
    import django

    django.setup()
    from coprod.celery import app

    app.conf.broker_url = args.broker
    app.conf.result_backend = None
    app.worker_main(
        ["worker", "-Q", "messages,jobs", "--pool", args.pool, "--concurrency", "1", "--loglevel", args.loglevel]
        + ["-n", f"bench-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    )


def seed(n_messages: int):
    """n_messages / GROUP_SIZE groups of GROUP_SIZE parents, each group with a published session in 30 hours
    that every parent said yes to: one "reminder, days before" each is due."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from groups import services as gs
    from groups.models import Group, Membership, Organisation, StaffRole, User
    from sessions_app import services as ss
    from sessions_app.models import Answer, Rsvp, Session

    org = Organisation.objects.create(name="Bench partnership", slug="bench")
    lead = gs.user_create(email="lead@bench.test", full_name="Lead", password="x" * 12, verified=True)
    support = gs.user_create(email="support@bench.test", full_name="Support", password="x" * 12, verified=True)
    for f in (lead, support):
        gs.staff_role_grant(organisation=org, user=f, role=StaffRole.Role.FACILITATOR)
    password = make_password(None)
    starts_at = timezone.now() + timedelta(hours=30)
    groups = max(1, n_messages // GROUP_SIZE)
    for g in range(groups):
        group = gs.group_create(
            organisation=org, name=f"Group {g}", kind=Group.Kind.COPRODUCTION, purpose="Bench", acting_user=lead
        )
        gs.membership_add(group=group, user=support, role=Membership.Role.FACILITATOR, acting_user=lead)
        size = min(GROUP_SIZE, n_messages - g * GROUP_SIZE) if g == groups - 1 else GROUP_SIZE
        people = User.objects.bulk_create(
            [User(email=f"p{g}-{i}@bench.test", full_name=f"Parent {g}-{i}", password=password) for i in range(size)]
        )
        Membership.objects.bulk_create(
            [Membership(group=group, user=p, role=Membership.Role.PARENT, added_by=lead) for p in people]
        )
        [session] = ss.session_create(
            group=group,
            acting_user=lead,
            title=f"Session of group {g}",
            purpose="Bench",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            format=Session.Format.ONLINE,
            joining_link="https://meet.example.test/bench",
            lead=lead,
            supports=[support],
        )
        # published without its invitations: this bench is about the reminders
        Session.objects.filter(pk=session.pk).update(
            status=Session.Status.PUBLISHED, published_at=timezone.now() - timedelta(days=7)
        )
        Rsvp.objects.bulk_create([Rsvp(session=session, user=p, answer=Answer.YES) for p in people])
    return groups


def delivered_ids(mail_dir: str) -> Counter:
    found = Counter()
    for path in Path(mail_dir).iterdir():
        found.update(int(m) for m in HEADER.findall(path.read_bytes()))
    return found


def start_worker(args, mail_dir: str, db_name: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": re.sub(r"/[^/]*$", f"/{db_name}", os.environ["DATABASE_URL"])}
    return subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, __file__, "--worker", "--broker", args.broker, "--mail-dir", mail_dir, "--pool", args.pool],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL if not args.verbose else None,
        stderr=subprocess.DEVNULL if not args.verbose else None,
    )


def purge(app) -> None:
    """Empties both queues on the bench's broker database, before and after."""
    with app.connection_for_write() as connection:
        for queue in ("messages", "jobs"):
            try:
                connection.default_channel.queue_purge(queue)
            except Exception:  # noqa: BLE001 - a queue never declared has nothing to purge
                pass


def wait_for_worker(app, timeout=60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError("The worker did not start.")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--broker", default=os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER))
    parser.add_argument("--pool", default="prefork", choices=["prefork", "solo"])
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--profile", action="store_true", help="profile making the reminders")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mail-dir", help=argparse.SUPPRESS)
    parser.add_argument("--loglevel", default="WARNING", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return
    print(measure(args))


def measure(args) -> str:
    mail_dir = tempfile.mkdtemp(prefix="coprod-bench-mail-")
    configure(broker=args.broker, mail_dir=mail_dir)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from coprod.celery import app
    from notifications.models import Message
    from sessions_app import checks

    app.conf.broker_url = args.broker
    app.conf.result_backend = None
    assert settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    worker = None
    try:
        purge(app)
        t0 = time.perf_counter()
        groups = seed(args.messages)
        print(f"Seeded in {time.perf_counter() - t0:.1f}s: {groups} groups, {args.messages} people with a place")
        worker = start_worker(args, mail_dir, connection.settings_dict["NAME"])
        wait_for_worker(app)

        start = time.perf_counter()
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            run = profile.runcall(checks.reminders_run, now=timezone.now())
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        else:
            run = checks.reminders_run(now=timezone.now())
        made = time.perf_counter() - start
        total = Message.objects.count()
        assert run.reminders == total == args.messages, (run, total)
        deadline = start + args.timeout
        while Message.objects.filter(status=Message.Status.SENT).count() < total:
            if time.perf_counter() > deadline:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        statuses = Counter(Message.objects.values_list("status", flat=True))
        sent_ids = set(Message.objects.filter(status=Message.Status.SENT).values_list("pk", flat=True))
        delivered = delivered_ids(mail_dir)
        duplicates = sum(n - 1 for n in delivered.values() if n > 1)
        lost = len(sent_ids - set(delivered)) + (total - len(sent_ids))
        return (
            f"{args.messages} reminders, one worker ({args.pool}), broker {args.broker}\n"
            f"  made (bulk insert, {-(-args.messages // 100)} batch tasks queued): {made:.1f}s\n"
            f"  end to end until all sent:  {elapsed:.1f}s  ({total / elapsed:.0f} a second)\n"
            f"  statuses: {dict(statuses)}\n"
            f"  delivered: {sum(delivered.values())}, distinct {len(delivered)}; duplicates {duplicates}; lost {lost}"
        )
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        purge(app)
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(mail_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
