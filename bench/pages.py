"""Page benchmark under gunicorn: each main page's median and 95th-percentile time, its ratio to a one-query
floor view measured in the same run, its size and its queries, on a data set made by `seed_scale`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coprod .venv/bin/python bench/pages.py --scale 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coprod .venv/bin/python bench/pages.py --scale 10 --keep
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coprod .venv/bin/python bench/pages.py --reuse bench_pages_s10
    .venv/bin/python bench/pages.py --compare scale1.json scale10.json    # the two targets of issue 10

It creates a throwaway database beside DATABASE_URL's (bench_pages_<pid>), migrates it and runs seed_scale at
--scale, starts gunicorn (production settings through bench/settings.py, two workers, on a free loopback port),
signs in as the people who see most on each page (the organisation admin with the two-step code), requests each
page --warmup times, then --runs rounds in which every page and the floor view are requested once each, in turn,
so drift on a shared machine falls on all of them alike. It prints a markdown table and drops the database
(unless --keep; --reuse NAME measures an existing one and leaves it). Redis for the cache: REDIS_URL (database
11 by default, see bench/settings.py).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    create_database,
    database_url,
    database_url_for,
    drop_database,
    migrate_and_seed,
    server_env,
    setup_django,
    signed_in,
    start_gunicorn,
    stop,
)

# --- what to measure ---


def choose(organisation_slug: str) -> dict:
    """The people and objects that show the most at this scale, in one organisation."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from groups.models import Group, Membership, Organisation, User
    from sessions_app.models import Session, SessionFacilitator

    now = timezone.now()
    org = Organisation.objects.get(slug=organisation_slug)
    facilitator = (
        User.objects.filter(email__startswith="facilitator", memberships__group__organisation=org)
        .annotate(n=Count("memberships"))
        .order_by("-n", "pk")
        .first()
    )
    group = (
        Group.objects.filter(memberships__user=facilitator, memberships__left_at__isnull=True)
        .annotate(n=Count("sessions"))
        .order_by("-n", "created_at", "pk")
        .first()
    )
    held = (
        Session.objects.filter(group=group, status="published", ends_at__lt=now)
        .annotate(n=Count("checkins"))
        .order_by("-starts_at")
        .first()
    )
    # the check-in screen as its lead facilitator sees it
    lead = SessionFacilitator.objects.get(session=held, role="lead", withdrawn_at__isnull=True).user
    parent = (
        User.objects.filter(email__startswith="parent", memberships__group__organisation=org)
        .annotate(
            n=Count("rsvps", distinct=True),
            n_groups=Count("memberships", filter=Q(memberships__left_at__isnull=True), distinct=True),
        )
        .order_by("-n_groups", "-n", "pk")
        .first()
    )
    parent_group_ids = Membership.objects.active().filter(user=parent).values("group_id")
    upcoming = (
        Session.objects.filter(group_id__in=parent_group_ids, status="published", starts_at__gt=now)
        .order_by("starts_at")
        .first()
    )
    return {
        "organisation": org.pk,
        "group": group.pk,
        "held": held.pk,
        "upcoming": upcoming.pk,
        "people": {
            "parent": parent.email,
            "facilitator": facilitator.email,
            "lead": lead.email,
            "governance": User.objects.get(email__startswith="governance.", staff_roles__organisation=org).email,
            "admin": User.objects.get(email__startswith="admin.", staff_roles__organisation=org).email,
        },
    }


def pages_for(chosen: dict) -> list[tuple[str, str, str]]:
    g, org, held, upcoming = chosen["group"], chosen["organisation"], chosen["held"], chosen["upcoming"]
    return [
        ("Home (parent)", "parent", "/"),
        ("Session page (parent)", "parent", f"/sessions/{upcoming}/"),
        ("Check-in screen (latest held)", "lead", f"/sessions/{held}/check-in/"),
        ("Home (facilitator)", "facilitator", "/"),
        ("Support queue", "facilitator", "/sessions/support/"),
        ("Support requests approved", "facilitator", "/sessions/support/?status=approved"),
        ("Follow-ups (open)", "facilitator", "/sessions/follow-ups/"),
        ("Follow-ups (closed)", "facilitator", "/sessions/follow-ups/?show=closed"),
        ("Group sessions", "facilitator", f"/groups/{g}/sessions/"),
        ("Group timeline", "facilitator", f"/groups/{g}/timeline/"),
        ("Groups list", "facilitator", "/groups/"),
        ("Governance dashboard", "governance", "/governance/"),
        ("Audit trail (admin)", "admin", f"/organisations/{org}/audit/"),
    ]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def measure(base: str, clients: dict, pages: list, *, runs: int, warmup: int) -> dict:
    floor = requests.Session()
    # The floor again as a signed-in facilitator: what every signed-in page pays before it shows anything (the
    # session, the person, the staff middleware's cache call), for reading the ratios.
    targets = [
        ("Floor view (one query)", floor, "/bench/floor/"),
        ("Floor view, signed in (facilitator)", clients["facilitator"], "/bench/floor/"),
    ] + [(n, clients[who], u) for n, who, u in pages]
    results = {name: {"url": url, "times": [], "bytes": 0, "queries": None, "status": None} for name, _, url in targets}
    for _ in range(warmup):
        for _name, client, url in targets:
            client.get(base + url, timeout=120)
    for _ in range(runs):
        for name, client, url in targets:
            started = time.perf_counter()
            response = client.get(base + url, timeout=120, allow_redirects=False)
            elapsed = (time.perf_counter() - started) * 1000
            row = results[name]
            row["times"].append(elapsed)
            row["bytes"], row["status"] = len(response.content), response.status_code
            row["queries"] = int(response.headers.get("X-Query-Count", "-1"))
    for row in results.values():
        row["median"] = statistics.median(row["times"])
        row["p95"] = percentile(row["times"], 0.95)
    return results


def table(results: dict) -> str:
    floor = results["Floor view (one query)"]["median"]
    lines = [
        "| Page | median ms | p95 ms | × floor | KB | queries | status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in results.items():
        lines.append(
            f"| {name} | {row['median']:.1f} | {row['p95']:.1f} | {row['median'] / floor:.1f} | "
            f"{row['bytes'] / 1024:.0f} | {row['queries']} | {row['status']} |"
        )
    return "\n".join(lines)


def compare(small_path: str, large_path: str, target: float = 3.0) -> str:
    """Issue 10's two targets from two --json files (scale 1, then scale 10): queries per page equal at both
    sizes, and each page's median within `target` times the floor's at the larger size."""
    small, large = (json.loads(Path(p).read_text())["results"] for p in (small_path, large_path))
    floor = "Floor view (one query)"
    lines = [
        f"| Page | queries (1×) | queries (10×) | equal | × floor (1×) | × floor (10×) | within {target:g}× |",
        "| --- | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for name in large:
        if name.startswith("Floor view"):
            continue
        a, b = small.get(name, {}), large[name]
        ratio_a = a["median"] / small[floor]["median"] if a else float("nan")
        ratio_b = b["median"] / large[floor]["median"]
        equal = "yes" if a.get("queries") == b["queries"] else "**no**"
        within = "yes" if ratio_b <= target else "**no**"
        queries = f"{a.get('queries', '-')} | {b['queries']} | {equal}"
        lines.append(f"| {name} | {queries} | {ratio_a:.1f} | {ratio_b:.1f} | {within} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--reuse", metavar="NAME", help="measure an existing seeded database; leave it")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--compare", nargs=2, metavar=("SCALE1_JSON", "SCALE10_JSON"), help="compare two runs")
    args = parser.parse_args(argv)
    if args.compare:
        print(compare(*args.compare))
        return None

    server_url = database_url()
    name = args.reuse or f"bench_pages_{os.getpid()}"
    url = database_url_for(server_url, name)
    if not args.reuse:
        create_database(server_url, name)
    server = None
    try:
        setup_django(url)
        from django.core.management import call_command
        from django.db import connections

        from sessions_app.management.commands.seed_scale import SCALE_PASSWORD, SCALE_TOTP_SECRET

        started = time.monotonic()
        if args.reuse:
            call_command("migrate", verbosity=0)  # a reused database gets any new migration (an index) first
        else:
            migrate_and_seed(scale=args.scale, seed=args.seed)
            print(f"Database {name}: migrated and seeded at scale {args.scale} in {time.monotonic() - started:.0f} s")
        chosen = choose(f"scale{args.seed}-1")
        connections.close_all()

        server, base = start_gunicorn(server_env(url), workers=args.workers)
        people = chosen["people"]
        clients = {
            who: signed_in(base, email, SCALE_PASSWORD, totp_secret=SCALE_TOTP_SECRET) for who, email in people.items()
        }
        pages = pages_for(chosen)
        results = measure(base, clients, pages, runs=args.runs, warmup=args.warmup)
        from groups.models import Organisation
        from sessions_app.models import Session

        size = f"{Organisation.objects.count()} organisations, {Session.objects.count():,} sessions"
        connections.close_all()
        print(f"\nDatabase {name} ({size}): {args.runs} rounds after {args.warmup} warm-up, {args.workers} workers")
        print(f"Signed in as: {', '.join(f'{who} {email}' for who, email in people.items())}\n")
        print(table(results))
        bad = [n for n, r in results.items() if r["status"] != 200]
        if bad:
            print(f"\nNot 200: {', '.join(bad)}")
        if args.json:
            figures = {"database": name, "size": size, "chosen": chosen, "results": results}
            Path(args.json).write_text(json.dumps(figures, indent=1, default=str))
        return results
    finally:
        if server is not None:
            stop(server)
        if not args.reuse and not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(server_url, name)
        elif not args.reuse:
            print(f"Kept database {name}: rerun with --reuse {name}")


if __name__ == "__main__":
    main()
