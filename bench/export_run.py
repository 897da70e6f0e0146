"""Payment run benchmark (issue 12): a run of N approved claims gathered, exported (CSV and Excel) and marked paid.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/coprod .venv/bin/python bench/export_run.py [--claims 10000]
      [--runs 3]

It creates its own throwaway PostgreSQL database beside DATABASE_URL's (test_<name>_<pid>, dropped at the end)
and fills it with bulk inserts: one organisation, one session per 100 claims, N people each with bank details
(encrypted, as the site stores them), and N approved claims (85% bank transfer, 10% voucher, 5% cash; one in
five with childcare). Then it times, with the real services:

- gathering the claims into a run (`run_create`) and the run's totals (`run_totals`);
- the CSV export fully consumed (`run_csv`) and the Excel export (`run_xlsx`), best of --runs;
- decrypting the bank details alone (what the exports pay for them);
- marking the run paid (`run_mark_paid`: N payments, N claims moved, N "payment sent" messages logged);
- the CSV of the paid run (read from its payments), best of --runs.

Message delivery is not measured here (bench/delivery.py does): the batches a commit would queue are counted
instead of published. Not part of the test suite: figures go in docs/PERFORMANCE.md.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coprod.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coprod")

CLAIMS_PER_SESSION = 100


def seed(n_claims: int):
    """The organisation, its people and N approved claims, in bulk. Returns (organisation, finance officer)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from groups import services as gs
    from groups.models import Group, Membership, Organisation, StaffRole, User
    from payments.models import BankDetails, Claim, ClaimLine, ClaimState, LineKind, Method, PaymentPolicy
    from sessions_app import services as ss
    from sessions_app.models import Session

    org = Organisation.objects.create(name="Bench partnership", slug="bench")
    lead = gs.user_create(email="lead@bench.test", full_name="Lead", password="x" * 12, verified=True)
    confirmer = gs.user_create(email="support@bench.test", full_name="Support", password="x" * 12, verified=True)
    finance = gs.user_create(email="money@bench.test", full_name="Finance", password="x" * 12, verified=True)
    for person in (lead, confirmer):
        gs.staff_role_grant(organisation=org, user=person, role=StaffRole.Role.FACILITATOR)
    gs.staff_role_grant(organisation=org, user=finance, role=StaffRole.Role.FINANCE_OFFICER)
    group = gs.group_create(
        organisation=org, name="Bench group", kind=Group.Kind.COPRODUCTION, purpose="Bench", acting_user=lead
    )
    gs.membership_add(group=group, user=confirmer, role=Membership.Role.FACILITATOR, acting_user=lead)
    first_start = timezone.now() - timedelta(days=200)
    tomorrow = timezone.now() + timedelta(days=1)
    [template] = ss.session_create(
        group=group,
        acting_user=lead,
        title="Bench session 0",
        purpose="Bench",
        starts_at=tomorrow,
        ends_at=tomorrow + timedelta(hours=2),
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.test/bench",
        lead=lead,
        supports=[confirmer],
    )
    # held in the past (a service plans only from today): moved back, as a register closed long ago
    Session.objects.filter(pk=template.pk).update(starts_at=first_start, ends_at=first_start + timedelta(hours=2))
    template = Session.objects.get(pk=template.pk)
    n_sessions = max(1, -(-n_claims // CLAIMS_PER_SESSION))
    sessions = [template]
    for s in range(1, n_sessions):
        copy = Session.objects.get(pk=template.pk)
        copy.pk = None
        copy.title = f"Bench session {s}"
        copy.starts_at = first_start + timedelta(days=s)
        copy.ends_at = copy.starts_at + timedelta(hours=2)
        sessions.append(copy)
    Session.objects.bulk_create(sessions[1:], batch_size=1000)
    policy = PaymentPolicy.objects.create(organisation=org, version=1, created_by=lead)

    password = make_password(None)
    people = User.objects.bulk_create(
        [User(email=f"p{i}@bench.test", full_name=f"Parent {i}", password=password) for i in range(n_claims)],
        batch_size=2000,
    )
    BankDetails.objects.bulk_create(
        [
            BankDetails(
                person=p,
                account_name=f"PARENT {i}",
                sort_code=f"{i % 100:02d}-{i % 97:02d}-{i % 89:02d}",
                account_number=f"{i:08d}",
                account_number_last2=f"{i:08d}"[-2:],
            )
            for i, p in enumerate(people)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    claims = []
    for i, person in enumerate(people):
        session = sessions[i // CLAIMS_PER_SESSION]
        method = Method.CASH if i % 20 == 0 else Method.VOUCHER if i % 10 == 0 else Method.BANK
        claims.append(
            Claim(
                organisation=org,
                session=session,
                claimant=person,
                policy=policy,
                state=ClaimState.APPROVED,
                prepared_by=lead,
                due_on=(session.starts_at + timedelta(days=2)).date(),
                method=method,
                submitted_at=now,
                attendance_confirmed_by=confirmer,
                attendance_confirmed_at=now,
                approved_by=finance,
                approved_at=now,
            )
        )
    claims = Claim.objects.bulk_create(claims, batch_size=2000)
    lines = []
    for i, claim in enumerate(claims):
        lines.append(
            ClaimLine(claim=claim, kind=LineKind.PARTICIPATION, description="Your time", minutes=120, amount_pence=5000)
        )
        if i % 5 == 0:
            lines.append(ClaimLine(claim=claim, kind=LineKind.CHILDCARE, description="Childcare", amount_pence=1250))
    ClaimLine.objects.bulk_create(lines, batch_size=5000)
    return org, finance


def best_of(runs: int, work):
    """(best seconds, queries of one run, the last result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, result = [], 0, None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            result = work()
            times.append(time.perf_counter() - start)
        queries = len(captured)
    return min(times), queries, result


def measure(args) -> str:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    import notifications.services as notification_services
    from payments import exports
    from payments.models import BankDetails, Payment, PaymentRun
    from payments.selectors.runs import run_totals
    from payments.services.runs import run_create, run_mark_paid

    queued = []
    settings.MESSAGE_DELIVERY = "queue"
    notification_services._queue_batch = lambda ids: queued.extend(ids)  # counted, not published
    settings.DEBUG = False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    rows = []
    try:
        start = time.perf_counter()
        org, finance = seed(args.claims)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the statistics autovacuum would have gathered after the bulk inserts
        print(f"Seeded {args.claims} approved claims in {time.perf_counter() - start:.1f}s", file=sys.stderr)

        def row(what, seconds, queries, note=""):
            rows.append({"what": what, "seconds": f"{seconds:.3f}", "queries": queries, "note": note})

        seconds, queries, run = best_of(1, lambda: run_create(organisation=org, acting_user=finance))
        row("gather into a run (run_create)", seconds, queries, f"{run.claims.count()} claims")
        seconds, queries, totals = best_of(args.runs, lambda: run_totals(run))
        row("run totals (run_totals)", seconds, queries, f"£{totals['grand']['total_pence'] / 100:,.2f}")

        def csv_bytes(run):
            return sum(len(line.encode()) for line in exports.run_csv(run))

        seconds, queries, size = best_of(args.runs, lambda: csv_bytes(run))
        row("CSV export, open run (run_csv, consumed)", seconds, queries, f"{size / 1024:,.0f} KB")
        seconds, queries, data = best_of(args.runs, lambda: exports.run_xlsx(run))
        row("Excel export, open run (run_xlsx)", seconds, queries, f"{len(data) / 1024:,.0f} KB")

        def decrypt_all():
            return sum(
                len(d.account_name) + len(d.sort_code) + len(d.account_number)
                for d in BankDetails.objects.iterator(chunk_size=2000)
            )

        seconds, queries, _ = best_of(args.runs, decrypt_all)
        row(
            "for scale: loading and decrypting every BankDetails row",
            seconds,
            queries,
            f"{args.claims} rows, 3 fields each",
        )

        seconds, queries, run = best_of(1, lambda: run_mark_paid(run=run, acting_user=finance, reference="BENCH-REF"))
        row(
            "mark the run paid (run_mark_paid)",
            seconds,
            queries,
            f"{Payment.objects.count()} payments, {len(queued)} messages queued after commit",
        )
        run = PaymentRun.objects.get(pk=run.pk)
        seconds, queries, size = best_of(args.runs, lambda: csv_bytes(run))
        row("CSV export, paid run (from its payments)", seconds, queries, f"{size / 1024:,.0f} KB")
        seconds, queries, data = best_of(args.runs, lambda: exports.run_xlsx(run))
        row("Excel export, paid run", seconds, queries, f"{len(data) / 1024:,.0f} KB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return markdown(rows, claims=args.claims, runs=args.runs)


def markdown(rows, *, claims: int, runs: int) -> str:
    lines = [
        f"Payment run of {claims:,} claims (best of {runs} where repeated; seconds of wall time, queries counted)",
        "",
        "| What | Seconds | Queries | Note |",
        "| --- | ---: | ---: | --- |",
    ]
    lines += [f"| {r['what']} | {r['seconds']} | {r['queries']} | {r['note']} |" for r in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="repeats of each export; the best is kept")
    args = parser.parse_args()
    print(measure(args))


if __name__ == "__main__":
    main()
