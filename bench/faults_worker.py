"""Fault run: a Celery worker killed in the middle of a batch of deliveries.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/coprod .venv/bin/python bench/faults_worker.py
      [--messages 2000] [--kill-after 300] [--kill-delay 0.4] [--broker redis://127.0.0.1:6379/9]

Like bench/delivery.py (a throwaway database, the real Redis broker on its own database number, one worker
process), but each email takes 10 ms to "send" (the file-based backend, slowed), so a batch is under way when,
after --kill-after messages have been recorded as sent, the worker's pool process is killed with SIGKILL (what
the kernel's out-of-memory killer or a container stop does). Celery starts a new pool process and hands the
killed batch to it again (late acknowledgement, reject on worker lost); the batch's rows are "sending", so it
claims none of them, and the other batches go on. Then the sweep runs as it would 16 minutes later.

It reports, against the message ids in the delivered emails' X-Coprod-Message headers:
- lost: messages recorded "sent" but not delivered, or left pending (must be 0);
- duplicates: messages delivered twice (must be 0);
- unknown: messages the sweep marked "Not known if sent" (at most one batch, BATCH_SIZE), and how many of
  those did go.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import delivery  # noqa: E402  (bench/delivery.py: settings, seed, worker start, delivered ids)
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend  # noqa: E402

SEND_DELAY = 0.01


class SlowFileBackend(FileEmailBackend):
    """The file-based backend, 10 ms a message, as a real mail server might be."""

    def send_messages(self, email_messages):
        time.sleep(SEND_DELAY * len(email_messages))
        return super().send_messages(email_messages)


def configure_slow(args, mail_dir):
    from django.conf import settings

    delivery.configure(broker=args.broker, mail_dir=mail_dir)
    settings.EMAIL_BACKEND = "faults_worker.SlowFileBackend"


def run_worker(args) -> None:
    configure_slow(args, args.mail_dir)
    import django

    django.setup()
    from coprod.celery import app

    app.conf.broker_url = args.broker
    app.conf.result_backend = None
    app.worker_main(
        ["worker", "-Q", "messages,jobs", "--pool", "prefork", "--concurrency", "1", "--loglevel", "WARNING"]
        + ["-n", f"faults-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    )


def pool_children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--kill-after", type=int, default=300)
    parser.add_argument("--broker", default=os.environ.get("BENCH_BROKER_URL", delivery.DEFAULT_BROKER))
    parser.add_argument("--kill-delay", type=float, default=0.4, help="seconds into a batch")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mail-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return
    print(measure(args))


def measure(args) -> str:
    import shutil

    mail_dir = tempfile.mkdtemp(prefix="coprod-faults-mail-")
    configure_slow(args, mail_dir)
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from coprod.celery import app
    from notifications import services
    from notifications.models import Message
    from sessions_app import checks

    app.conf.broker_url = args.broker
    app.conf.result_backend = None
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    worker = None
    try:
        delivery.purge(app)
        delivery.seed(args.messages)
        env = {**os.environ, "DATABASE_URL": connection_url(connection.settings_dict["NAME"])}
        worker = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, __file__, "--worker", "--broker", args.broker, "--mail-dir", mail_dir],
            env=env,
            cwd=delivery.ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        delivery.wait_for_worker(app)
        before_kill = pool_children(worker.pid)

        run = checks.reminders_run(now=timezone.now())
        total = Message.objects.count()
        assert run.reminders == total == args.messages, (run, total)
        deadline = time.monotonic() + args.timeout
        sent = Message.objects.filter(status=Message.Status.SENT)
        while sent.count() < args.kill_after and time.monotonic() < deadline:
            time.sleep(0.02)
        # kill while a batch is being sent
        sending = Message.objects.filter(status=Message.Status.SENDING)
        while not sending.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(args.kill_delay)  # some way into the batch
        sending_at_kill = sending.count()
        killed = pool_children(worker.pid) or before_kill
        for child in killed:
            os.kill(child, signal.SIGKILL)
        killed_at = time.monotonic()

        # the rest goes on: wait until nothing is pending and "sending" no longer changes
        waiting = Message.objects.filter(status__in=[Message.Status.PENDING, Message.Status.HELD])
        while waiting.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        finished = time.monotonic() - killed_at
        swept = services.messages_sweep_stuck(now=timezone.now() + timedelta(minutes=16))

        statuses = Counter(Message.objects.values_list("status", flat=True))
        sent_ids = set(sent.values_list("pk", flat=True))
        unknown_ids = set(Message.objects.filter(status=Message.Status.UNKNOWN).values_list("pk", flat=True))
        delivered = delivery.delivered_ids(mail_dir)
        duplicates = sum(n - 1 for n in delivered.values() if n > 1)
        lost = len(sent_ids - set(delivered)) + statuses.get("pending", 0) + statuses.get("failed", 0)
        return (
            f"{args.messages} reminders, one worker, its pool process {killed} killed (SIGKILL) after "
            f"{args.kill_after} were sent, {args.kill_delay}s into a batch ({sending_at_kill} then sending)\n"
            f"  pool processes before {before_kill}, after {pool_children(worker.pid)}\n"
            f"  the rest finished {finished:.1f}s after the kill; the sweep marked {swept} not known if sent\n"
            f"  statuses: {dict(statuses)}\n"
            f"  delivered: {sum(delivered.values())}, distinct {len(delivered)}\n"
            f"  lost {lost}, duplicates {duplicates}, unknown {len(unknown_ids)} "
            f"(of which {len(unknown_ids & set(delivered))} had in fact gone)"
        )
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        delivery.purge(app)
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(mail_dir, ignore_errors=True)


def connection_url(db_name: str) -> str:
    import re

    return re.sub(r"/[^/]*$", f"/{db_name}", os.environ["DATABASE_URL"])


if __name__ == "__main__":
    main()
