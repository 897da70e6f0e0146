"""Page benchmark: response time and queries per request for the main pages, on a PostgreSQL database filled
with a realistic partnership (10 groups of 40 members, 30 sessions each with answers and check-ins).

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/coprod .venv/bin/python bench/pages.py [--runs 30]

It creates its own throwaway database (test_<name>_<pid>), fills it, measures, and drops it. Not part of the
test suite: figures go in docs/PERFORMANCE.md.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coprod.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coprod")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

GROUPS, MEMBERS, SESSIONS = 10, 40, 30


def seed():
    from groups import services as gs
    from groups.models import Group, Membership, Organisation, StaffRole
    from sessions_app import services as ss
    from sessions_app.models import Answer, CheckIn, Rsvp, Session

    org = Organisation.objects.create(name="Bench partnership", slug="bench")
    admin = gs.user_create(email="admin@bench.test", full_name="Admin", password="x" * 12, verified=True)
    gs.staff_role_grant(organisation=org, user=admin, role=StaffRole.Role.ADMIN)
    gs.staff_role_grant(organisation=org, user=admin, role=StaffRole.Role.GOVERNANCE_LEAD)
    facs = []
    for i in range(3):
        f = gs.user_create(email=f"fac{i}@bench.test", full_name=f"Facilitator {i}", password="x" * 12, verified=True)
        gs.staff_role_grant(organisation=org, user=f, role=StaffRole.Role.FACILITATOR)
        facs.append(f)
    venue = ss.venue_create(organisation=org, acting_user=admin, name="Hub", address="1 High Street", step_free=True)
    people = [
        gs.user_create(email=f"p{i}@bench.test", full_name=f"Parent {i:03d}", password="x" * 12, verified=True)
        for i in range(GROUPS * MEMBERS // 2)
    ]
    now = timezone.now()
    first_group = None
    for g in range(GROUPS):
        kind = Group.Kind.GOVERNANCE if g % 3 == 0 else Group.Kind.COPRODUCTION
        group = gs.group_create(organisation=org, name=f"Group {g}", kind=kind, purpose="Bench", acting_user=facs[0])
        first_group = first_group or group
        gs.membership_add(group=group, user=facs[1], role=Membership.Role.FACILITATOR, acting_user=facs[0])
        members = [people[(g * 20 + i) % len(people)] for i in range(MEMBERS)]
        for n, p in enumerate(members):
            gs.membership_add(
                group=group,
                user=p,
                role=Membership.Role.PARENT if n % 4 else Membership.Role.PROFESSIONAL,
                acting_user=facs[0],
            )
        sessions = ss.session_create(
            group=group,
            acting_user=facs[0],
            title=f"Session of group {g}",
            purpose="Bench",
            starts_at=now - timedelta(weeks=10, hours=-1),
            ends_at=now - timedelta(weeks=10, hours=-3),
            format=Session.Format.IN_PERSON,
            venue=venue,
            capacity=30,
            lead=facs[0],
            supports=[facs[1]],
            agenda=["Check-in", "Talk", "Check-out"],
            repeat_weeks=SESSIONS,
        )
        Session.objects.filter(pk__in=[s.pk for s in sessions]).update(
            status="published", published_at=now - timedelta(weeks=11)
        )
        rsvps, checkins = [], []
        for s in sessions:
            for n, p in enumerate(members):
                answer = [Answer.YES, Answer.YES, Answer.MAYBE, Answer.NO][n % 4]
                rsvps.append(Rsvp(session=s, user=p, answer=answer, waitlisted_at=None))
                if s.ends_at < now and answer == Answer.YES:
                    checkins.append(
                        CheckIn(
                            session=s,
                            user=p,
                            checked_in_by=facs[0],
                            checked_in_at=s.starts_at,
                            checked_out_at=s.ends_at,
                            checkout_feeling=4,
                        )
                    )
        Rsvp.objects.bulk_create(rsvps)
        CheckIn.objects.bulk_create(checkins)
    upcoming = Session.objects.filter(group=first_group, starts_at__gt=now).order_by("starts_at").first()
    past = Session.objects.filter(group=first_group, starts_at__lt=now).order_by("-starts_at").first()
    return {
        "admin": admin,
        "facilitator": facs[0],
        "parent": people[1],
        "group": first_group,
        "upcoming": upcoming,
        "past": past,
    }


def measure(client, url, runs):
    for _ in range(3):
        client.get(url)
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup_test_environment()
    settings.DEBUG = False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        t0 = time.perf_counter()
        data = seed()
        print(f"Seeded in {time.perf_counter() - t0:.1f}s: {GROUPS} groups x {MEMBERS} members x {SESSIONS} sessions")
        g, up, past = data["group"].pk, data["upcoming"].pk, data["past"].pk
        pages = [
            ("parent", "Home (parent)", "/"),
            ("parent", "Session page (parent)", f"/sessions/{up}/"),
            ("facilitator", "Home (facilitator)", "/"),
            ("facilitator", "Groups list", "/groups/"),
            ("facilitator", "Group members (40)", f"/groups/{g}/members/"),
            ("facilitator", "Group sessions (30)", f"/groups/{g}/sessions/"),
            ("facilitator", "Check-in screen (40)", f"/sessions/{past}/check-in/"),
            ("facilitator", "Support queue", "/sessions/support/"),
            ("facilitator", "Follow-up queue", "/sessions/follow-ups/"),
            ("facilitator", "Group timeline", f"/groups/{g}/timeline/"),
            ("admin", "Governance dashboard", "/governance/"),
        ]
        clients = {}
        for who in ("parent", "facilitator", "admin"):
            clients[who] = Client()
            clients[who].force_login(data[who])
        print(f"\n{'Page':<28} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for who, label, url in pages:
            median, p95, queries = measure(clients[who], url, args.runs)
            print(f"{label:<28} {median:>10.1f} {p95:>8.1f} {queries:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
