"""The load run: 50 people sign in at once, each says yes to a session and asks for help with travel, while a
facilitator checks them in; then the database is checked for anything lost or made twice.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coprod .venv/bin/python bench/load.py
    ... bench/load.py --people 50 --run-time 60 --forwarded     # each person behind a proxy with its own address

It creates a throwaway database (bench_load_<pid>), migrates and seeds it (seed_scale --scale 0.1), adds the
50 parents to one group and a session starting in half an hour (so check-in is open), starts gunicorn
(bench settings, production-like, two workers) on a free loopback port and runs locust headless on loopback for
at most --run-time seconds (bench/locustfile.py). Then it reports requests, failures, 5xx and slow requests,
and compares what people were told with what the database holds: one answer per person, one support request
per person who was told it was made, one check-in per person the facilitator was told is checked in.
Exit status 1 when anything was lost, duplicated or answered with a 5xx.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    create_database,
    database_url,
    database_url_for,
    drop_database,
    migrate_and_seed,
    server_env,
    setup_django,
    start_gunicorn,
    stop,
)


def prepare(*, people: int) -> dict:
    """A session starting in 30 minutes in the first group, with `people` parents as members."""
    from django.db import transaction
    from django.utils import timezone

    from groups.models import Group, Membership, User
    from sessions_app.management.commands.seed_scale import SCALE_PASSWORD
    from sessions_app.models import Session, SessionFacilitator, Venue

    now = timezone.now()
    with transaction.atomic():
        group = Group.objects.order_by("pk").first()
        parents = list(User.objects.filter(email__startswith="parent").order_by("pk")[:people])
        if len(parents) < people:
            raise SystemExit(f"Only {len(parents)} parents in the seeded data; ask for fewer people.")
        facilitators = [
            m.user
            for m in Membership.objects.active()
            .filter(group=group, role=Membership.Role.FACILITATOR)
            .select_related("user")
            .order_by("pk")[:2]
        ]
        members = set(Membership.objects.active().filter(group=group).values_list("user_id", flat=True))
        Membership.objects.bulk_create(
            [Membership(group=group, user=p, role=Membership.Role.PARENT) for p in parents if p.pk not in members]
        )
        session = Session.objects.create(
            group=group,
            title="Load run: the big meeting",
            purpose="Everyone at once.",
            starts_at=now + timedelta(minutes=30),
            ends_at=now + timedelta(hours=2, minutes=30),
            format=Session.Format.IN_PERSON,
            venue=Venue.objects.filter(organisation=group.organisation).first(),
            status=Session.Status.PUBLISHED,
            published_at=now,
            created_by=facilitators[0],
        )
        SessionFacilitator.objects.create(session=session, user=facilitators[0], role="lead")
        SessionFacilitator.objects.create(session=session, user=facilitators[1], role="support")
    return {
        "session": session.pk,
        "parents": [p.email for p in parents],
        "person_ids": [p.pk for p in parents],
        "facilitator": facilitators[0].email,
        "password": SCALE_PASSWORD,
    }


def check_database(plan: dict, report: dict) -> dict:
    """What the database holds against what people were told."""
    from django.db.models import Count

    from groups.models import User
    from sessions_app.models import CheckIn, Rsvp, SupportRequest

    session = plan["session"]
    ids = dict(User.objects.filter(email__in=plan["parents"]).values_list("email", "pk"))

    def per_person(model, field="user_id"):
        rows = model.objects.filter(session_id=session).values(field).annotate(n=Count("pk"))
        return {row[field]: row["n"] for row in rows}

    answers = per_person(Rsvp)
    support = per_person(SupportRequest)
    checkins = per_person(CheckIn)
    told_answered = {ids[e] for e in report["answered"]}
    told_support = {ids[e] for e in report["asked_support"]}
    told_checked_in = set(report["checked_in"])
    return {
        "answers in the database": sum(answers.values()),
        "answers lost (told yes, no row)": len(told_answered - set(answers)),
        "answers duplicated": sum(n - 1 for n in answers.values() if n > 1),
        "answers saved that the person was not told of": len(set(answers) - told_answered),
        "support requests in the database": sum(support.values()),
        "support requests lost": len(told_support - set(support)),
        "support requests duplicated": sum(n - 1 for n in support.values() if n > 1),
        "support requests saved unseen": len(set(support) - told_support),
        "check-ins in the database": sum(checkins.values()),
        "check-ins lost": len(told_checked_in - set(checkins)),
        "check-ins duplicated": sum(n - 1 for n in checkins.values() if n > 1),
        "check-ins saved unseen": len(set(checkins) - told_checked_in),
    }


def run_locust(*, base: str, plan_path: Path, report_path: Path, people: int, run_time: int, forwarded: bool):
    env = {**os.environ, "BENCH_LOAD_PLAN": str(plan_path), "BENCH_LOAD_REPORT": str(report_path)}
    if forwarded:
        env["BENCH_LOAD_FORWARDED"] = "1"
    command = [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
    command += ["--users", str(people + 1), "--spawn-rate", str(people + 1), "--run-time", f"{run_time}s"]
    command += ["--host", base, "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=run_time + 120)  # noqa: S603
    return result, time.monotonic() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--run-time", type=int, default=60, help="seconds, at most 60 unless you mean it")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--forwarded", action="store_true", help="each person sends its own X-Forwarded-For")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    server_url = database_url()
    name = f"bench_load_{os.getpid()}"
    url = database_url_for(server_url, name)
    create_database(server_url, name)
    server = None
    workdir = Path(tempfile.mkdtemp(prefix="bench_load_"))
    try:
        setup_django(url)
        from django.db import connections

        migrate_and_seed(scale=0.1, seed=1)
        plan = prepare(people=args.people)
        plan_path, report_path = workdir / "plan.json", workdir / "report.json"
        plan_path.write_text(json.dumps(plan))
        connections.close_all()
        log = (workdir / "gunicorn.log").open("w")
        server, base = start_gunicorn(server_env(url), workers=args.workers, log=log)
        result, took = run_locust(
            base=base,
            plan_path=plan_path,
            report_path=report_path,
            people=args.people,
            run_time=args.run_time,
            forwarded=args.forwarded,
        )
        stop(server)
        server = None
        if not report_path.exists():
            print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
            raise SystemExit("locust wrote no report")
        report = json.loads(report_path.read_text())
        checks = check_database(plan, report)
        figures = {
            "people": args.people,
            "locust seconds": round(took, 1),
            "requests": report["requests"],
            "responses by class": report["status"],
            "5xx": report["status"].get("500", 0),
            "no response": report["status"].get("error", 0),
            "slower than 3 s": report["slow"],
            "signed in": len(report["signed_in"]),
            "sign-in failed": len(report["sign_in_failed"]),
            "told yes": len(report["answered"]),
            "answer failed": len(report["answer_failed"]),
            "told support asked": len(report["asked_support"]),
            "support failed": len(report["support_failed"]),
            "told checked in": len(report["checked_in"]),
            "check-in failed": len(report["checkin_failed"]),
            **checks,
        }
        print(f"\nLoad run: {args.people} people and a facilitator, at most {args.run_time} s, {args.workers} workers")
        print("| Figure | Value |\n| --- | ---: |")
        for key, value in figures.items():
            print(f"| {key} | {value} |")
        print("\n| Request | count | median ms | p95 ms |\n| --- | ---: | ---: | ---: |")
        for request_name, times in sorted(report["times"].items()):
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
            print(f"| {request_name} | {len(times)} | {statistics.median(times):.0f} | {p95} |")
        print(f"\ngunicorn's log: {workdir / 'gunicorn.log'}")
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1))
        bad = figures["5xx"] or any(v for k, v in checks.items() if "lost" in k or "duplicated" in k)
        return 1 if bad else 0
    finally:
        if server is not None:
            stop(server)
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"Kept database {name}")
        else:
            drop_database(server_url, name)


if __name__ == "__main__":
    sys.exit(main())
