"""A large, realistic data set for measuring: organisations, groups, people and years of sessions with answers,
check-ins, follow-ups, outcomes, quorum records, support requests, messages and trail entries.

    python manage.py seed_scale                 # ten times today's size: 10 organisations, 400 groups,
                                                # 12,000 people, 40,000 sessions over three years
    python manage.py seed_scale --scale 1       # one organisation, 40 groups, 1,200 people, 4,000 sessions
    python manage.py seed_scale --scale 0.05 --seed 7

It is fixture data, not a record of what anyone did: rows are inserted in bulk (PostgreSQL's COPY where it can),
not through the services, but every row keeps the models' constraints (two facilitators per session, one answer
per person per session, a quorum record consistent with its count, ...). The same --seed gives the same data.

Every account has the password SCALE_PASSWORD; the organisation admins (who must sign in with two steps) have an
authenticator app with the key SCALE_TOTP_SECRET. Email addresses follow one pattern, so scripts can sign in:
`parent<n>.o<org>@scale.example`, `facilitator<n>.o<org>@scale.example`, `admin.o<org>@scale.example`,
`governance.o<org>@scale.example` (numbers from 1).
"""

import csv
import io
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from core.models import AuditEvent
from groups.models import (
    Acknowledgement,
    AgreementVersion,
    Group,
    Membership,
    Organisation,
    StaffRole,
    User,
)
from notifications.models import Message
from sessions_app.models import (
    Action,
    AgendaItem,
    CheckIn,
    Debrief,
    Decision,
    FollowUp,
    QuorumCheck,
    QuorumRecord,
    Rsvp,
    Session,
    SessionFacilitator,
    SupportRequest,
    Venue,
    Win,
    session_topic,
)

SCALE_PASSWORD = "coprod-scale-password"  # noqa: S105 - fixture data for benchmarks, published
SCALE_TOTP_SECRET = "COPRODSCALESECRETCOPRODSCALESECR"  # noqa: S105
EMAIL_DOMAIN = "scale.example"
LONDON = ZoneInfo("Europe/London")

FIRST = "Amira Jodie Siobhan Grace Kasia Leanne Dean Tomasz Marcus Imran Chloe Sam Helen Raj Nicola Owen Aisha Ben"
LAST = "Hassan Clarke O'Neill Mensah Nowak Booth Walsh Zielinski Reid Qureshi Barnes Oduya Firth Patel Grant Hughes"
FIRST_NAMES, LAST_NAMES = FIRST.split(), LAST.split()

# How much of each thing, per session or per answer (tuned so ten times scale comes close to issue 10's data set:
# 392,000 answers, 271,000 check-ins and 1.6 million messages for 40,000 sessions; it makes 409,000, 255,000
# and 1.7 million).
ANSWER_RATE = 0.31
FUTURE_DAYS = 60  # sessions are planned this far ahead; the rest of the years lie in the past

SCALE_ONE = {"organisations": 1, "groups_per_org": 40, "people": 1200, "sessions": 4000}


def email_of(kind: str, org_number: int, n: int | None = None) -> str:
    """The address of a seeded account: email_of("parent", 1, 17) is parent17.o1@scale.example."""
    return f"{kind}{'' if n is None else n}.o{org_number}@{EMAIL_DOMAIN}"


def sizes_for(scale: float) -> dict:
    """Scale 1 is one organisation the size of a busy partnership today; 10 is issue 10's ten-times set."""
    organisations = max(1, round(scale))
    groups_total = max(2, round(SCALE_ONE["groups_per_org"] * scale))
    return {
        "organisations": organisations,
        "groups_per_org": max(2, groups_total // organisations),
        "people": max(40, round(SCALE_ONE["people"] * scale)),
        "sessions": max(8, round(SCALE_ONE["sessions"] * scale)),
    }


class Progress:
    """A plain progress bar on stderr (no extra library)."""

    def __init__(self, total: int, label: str, stream=None, width: int = 40):
        self.total, self.label, self.width = max(total, 1), label, width
        self.stream = stream or sys.stderr
        self.done, self.shown, self.started = 0, -10, time.monotonic()
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()

    def advance(self, n: int = 1):
        self.done += n
        percent = min(100, self.done * 100 // self.total)
        # redrawn in place on a terminal; one line per tenth in a log
        step = 1 if self.interactive else 10
        if percent // step != self.shown // step:
            self.shown = percent
            filled = self.width * percent // 100
            elapsed = time.monotonic() - self.started
            line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% {elapsed:6.1f}s"
            self.stream.write(f"\r{line}" if self.interactive else f"{line}\n")
            self.stream.flush()

    def finish(self):
        if self.interactive:
            self.stream.write("\n")
        self.stream.flush()


def _csv_value(value):
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


class BulkWriter:
    """Rows for one table, written in batches: PostgreSQL's COPY (fast, and every constraint still checked), or
    bulk_create on other databases. Columns left out take the model field's default."""

    BATCH = 20_000

    def __init__(self, model):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.rows: list[dict] = []
        self.count = 0
        self.copy = connection.vendor == "postgresql"

    def add(self, **row):
        self.rows.append(row)
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self):
        if not self.rows:
            return
        self.count += len(self.rows)
        if self.copy:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            names = [f.attname for f in self.fields]
            for row in self.rows:
                writer.writerow([_csv_value(row[n] if n in row else self.defaults[n]) for n in names])
            buffer.seek(0)
            columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
            table = connection.ops.quote_name(self.model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)
        else:
            self.model.objects.bulk_create([self.model(**{**self.defaults, **row}) for row in self.rows], 2000)
        self.rows = []


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, dtime(hour, minute), tzinfo=LONDON)


class Seeder:
    def __init__(self, *, rng: random.Random, years: float, now: datetime, progress: Progress):
        self.rng, self.years, self.now, self.progress = rng, years, now, progress
        self.password = make_password(SCALE_PASSWORD)  # hashed once: every account shares it
        self.writers = {
            m: BulkWriter(m)
            for m in (
                EmailAddress,
                StaffRole,
                Membership,
                Acknowledgement,
                SessionFacilitator,
                AgendaItem,
                Rsvp,
                CheckIn,
                FollowUp,
                Debrief,
                Decision,
                Action,
                Win,
                QuorumCheck,
                QuorumRecord,
                SupportRequest,
                Message,
                AuditEvent,
            )
        }

    def flush(self):
        for writer in self.writers.values():
            writer.flush()

    def counts(self) -> dict[str, int]:
        return {m._meta.verbose_name_plural: w.count for m, w in self.writers.items()}

    # --- people, groups ---

    def _users(self, org_number, kind, count, numbered=True):
        rng = self.rng
        users = []
        for n in range(1, count + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            users.append(
                User(
                    email=email_of(kind, org_number, n if numbered else None),
                    full_name=f"{first} {last}",
                    preferred_name=first if rng.random() < 0.3 else "",
                    password=self.password,
                    date_joined=self.now - timedelta(days=365 * self.years + 30),
                )
            )
        return users

    def organisation(self, *, number: int, slug: str, groups_per_org: int, people: int, sessions: int):
        rng, now = self.rng, self.now
        org = Organisation.objects.create(name=f"Scale partnership {slug}", slug=slug)
        venues = Venue.objects.bulk_create(
            [
                Venue(organisation=org, name=f"Family hub {v}", address=f"{v} High Street\nTown", step_free=True)
                for v in range(1, 6)
            ]
        )
        n_facilitators = max(2, round(groups_per_org / 3))
        n_members = max(4, people - n_facilitators - 2)
        n_professionals = max(1, n_members // 7)
        n_parents = n_members - n_professionals
        admin, governance = self._users(number, "admin", 1, False) + self._users(number, "governance", 1, False)
        facilitators = self._users(number, "facilitator", n_facilitators)
        parents = self._users(number, "parent", n_parents)
        professionals = self._users(number, "professional", n_professionals)
        for p in parents:
            if rng.random() < 0.1:  # some prefer texts too
                p.phone, p.contact_preference, p.phone_confirmed_at = "07700900000", "both", now
        everyone = [admin, governance, *facilitators, *parents, *professionals]
        User.objects.bulk_create(everyone, batch_size=2000)
        for u in everyone:
            self.writers[EmailAddress].add(user_id=u.pk, email=u.email, verified=True, primary=True)
        for user, role in [(admin, "admin"), (governance, "governance_lead")] + [
            (f, "facilitator") for f in facilitators
        ]:
            self.writers[StaffRole].add(organisation_id=org.pk, user_id=user.pk, role=role, granted_at=now)
        self.flush()
        TOTP.activate(admin, SCALE_TOTP_SECRET)  # admins must sign in with two steps (groups.middleware)

        kinds = ["governance", "steering", "working", "coproduction", "coproduction"]
        groups = Group.objects.bulk_create(
            [
                Group(
                    organisation=org,
                    name=f"Group {g + 1}",
                    kind=kinds[g % len(kinds)],
                    purpose="Parents and services working together on what matters to families.",
                    parent_quorum=2 if kinds[g % len(kinds)] == "governance" else 0,
                )
                for g in range(groups_per_org)
            ]
        )
        started = now - timedelta(days=365 * self.years)
        pool = [(p, "parent") for p in parents] + [(p, "professional") for p in professionals]
        rng.shuffle(pool)
        per_group = max(1, len(pool) // groups_per_org)
        group_members, group_facilitators = {}, {}
        for g, group in enumerate(groups):
            members = pool[g * per_group : (g + 1) * per_group]
            taken = {u.pk for u, _ in members}
            for u, role in rng.sample(pool, min(len(pool), per_group // 5)):  # a fifth also in a second group
                if u.pk not in taken:
                    members.append((u, role))
                    taken.add(u.pk)
            facs = [facilitators[g % n_facilitators], facilitators[(g + 1) % n_facilitators]]
            if g % 2 and n_facilitators > 2:
                facs.append(facilitators[(g + 2) % n_facilitators])
            group_facilitators[group.pk] = facs
            rows = []
            for u, role in members:
                joined = started - timedelta(days=rng.randint(1, 60))
                left = now - timedelta(days=rng.randint(10, 300)) if rng.random() < 0.04 else None
                rows.append((u, role, joined, left))
                self.writers[Membership].add(
                    group_id=group.pk, user_id=u.pk, role=role, joined_at=joined, left_at=left, added_by_id=facs[0].pk
                )
            for f in facs:
                self.writers[Membership].add(
                    group_id=group.pk, user_id=f.pk, role="facilitator", joined_at=started - timedelta(days=90)
                )
            group_members[group.pk] = rows
        versions = AgreementVersion.objects.bulk_create(
            [
                AgreementVersion(
                    group=group,
                    number=1,
                    text="We listen, we keep what is said here private, we can step out at any time.",
                    created_by=group_facilitators[group.pk][0],
                    created_at=started - timedelta(days=60),
                )
                for group in groups
            ]
        )
        for version in versions:
            for u, _role, joined, _left in group_members[version.group_id]:
                if rng.random() < 0.7:
                    self.writers[Acknowledgement].add(version_id=version.pk, user_id=u.pk, acknowledged_at=joined)
        self.flush()

        # --- sessions ---
        per_group_sessions = [
            sessions // groups_per_org + (1 if g < sessions % groups_per_org else 0) for g in range(groups_per_org)
        ]
        span_days = 365 * self.years
        first_day = (now - timedelta(days=span_days - FUTURE_DAYS)).date()
        planned = []
        for g, group in enumerate(groups):
            n = per_group_sessions[g]
            facs = group_facilitators[group.pk]
            for i in range(n):
                day = first_day + timedelta(days=int(i * span_days / max(n, 1)) + rng.randint(0, 2))
                starts = _at(day, rng.choice([10, 13, 18]))
                ends = starts + timedelta(hours=2)
                online = rng.random() < 0.1
                future = starts > now
                last_two = i >= n - 2
                status, published_at, cancelled_at = "published", starts - timedelta(days=21), None
                if future and last_two:
                    status, published_at = "draft", None
                elif rng.random() < 0.02:
                    status, cancelled_at = "cancelled", min(starts - timedelta(days=2), now)
                lead = facs[i % len(facs)]
                support = facs[(i + 1) % len(facs)]
                closed = ends < now - timedelta(days=7) and status == "published"
                created = starts - timedelta(days=30)
                planned.append(
                    (
                        Session(
                            group=group,
                            title=f"{group.name}: meeting {i + 1}",
                            purpose="Talk about what helped and what got in the way, and agree what to ask for.",
                            starts_at=starts,
                            ends_at=ends,
                            format="online" if online else "in_person",
                            venue=None if online else venues[g % len(venues)],
                            joining_link="https://meet.example.org/group" if online else "",
                            status=status,
                            published_at=published_at,
                            cancelled_at=cancelled_at,
                            cancel_reason="The venue was closed." if cancelled_at else "",
                            created_by=lead,
                            created_at=created,
                            attendance_closed_at=ends + timedelta(days=2) if closed else None,
                            attendance_closed_by=lead if closed else None,
                        ),
                        lead,
                        support,
                    )
                )
        Session.objects.bulk_create([s for s, _, _ in planned], batch_size=2000)
        for session, lead, support in planned:
            self._session(org, session, lead, support, group_members[session.group_id])
            self.progress.advance()
        self.flush()
        return org

    def _session(self, org, session, lead, support, members):
        rng, now, w = self.rng, self.now, self.writers
        pk = session.pk
        topic = session_topic(pk)
        w[SessionFacilitator].add(session_id=pk, user_id=lead.pk, role="lead", assigned_at=session.created_at)
        w[SessionFacilitator].add(session_id=pk, user_id=support.pk, role="support", assigned_at=session.created_at)
        for position, text in enumerate(("Check-in", "Main discussion", "Check-out"), start=1):
            w[AgendaItem].add(session_id=pk, position=position, text=text)
        w[AuditEvent].add(
            at=session.created_at,
            actor_id=lead.pk,
            organisation_id=org.pk,
            object_type="sessions_app.session",
            object_id=str(pk),
            object_repr=session.title,
            data={},
            action="session.created",
        )
        if session.status == "draft":
            return
        published = session.published_at or session.starts_at - timedelta(days=21)
        w[AuditEvent].add(
            at=published,
            actor_id=lead.pk,
            organisation_id=org.pk,
            object_type="sessions_app.session",
            object_id=str(pk),
            object_repr=session.title,
            data={},
            action="session.published",
        )
        active = [
            (u, role) for u, role, joined, left in members if joined <= published and (left is None or left > published)
        ]
        past = session.ends_at < now
        held = past and session.status == "published"
        sent = min(published + timedelta(minutes=1), now)
        for u, _role in active:
            self._message(u, "invitation", pk, topic, org, sent, f"Will you come? {session.title}")
            if u.contact_preference == "both":
                self._message(u, "invitation", pk, topic, org, sent, "", channel="text")

        answered = rng.sample(active, min(len(active), round(len(active) * ANSWER_RATE * rng.uniform(0.7, 1.3))))
        yes_people, parents_yes, parents_present = [], 0, 0
        for u, role in answered:
            answer = rng.choices(("yes", "maybe", "no"), weights=(7, 2, 1))[0]
            answered_at = min(published + timedelta(hours=rng.randint(1, 24 * 14)), now)
            w[Rsvp].add(session_id=pk, user_id=u.pk, answer=answer, answered_at=answered_at, updated_at=answered_at)
            if answer == "yes":
                yes_people.append(u)
                parents_yes += role == "parent"
                if past:
                    self._message(u, "reminder_days", pk, topic, org, session.starts_at - timedelta(days=2), "")
                if session.status == "cancelled":
                    self._message(u, "cancellation", pk, topic, org, session.cancelled_at, "")
                if rng.random() < 0.1:
                    self._support(session, u, lead, answered_at)
            if held and (answer == "yes" and rng.random() < 0.85 or answer == "maybe" and rng.random() < 0.3):
                parents_present += role == "parent"
                self._checkin(session, u, lead)

        if session.group.parent_quorum and session.status == "published":
            required = session.group.parent_quorum
            for hours in (72, 24):
                at = session.starts_at - timedelta(hours=hours)
                if at < now:
                    w[QuorumCheck].add(
                        session_id=pk,
                        hours_before=hours,
                        checked_at=at,
                        required=required,
                        parents_yes=parents_yes,
                        met=parents_yes >= required,
                    )
            if held:
                w[QuorumRecord].add(
                    session_id=pk,
                    required=required,
                    parents_present=parents_present,
                    quorate=parents_present >= required,
                    recorded_at=session.ends_at,
                )
        if held:
            self._outcomes(session, lead, active, inquorate=bool(session.group.parent_quorum) and parents_present < 2)

    def _message(self, user, kind, session_pk, topic, org, at, subject, channel="email"):
        self.writers[Message].add(
            person_id=user.pk,
            address="",
            channel=channel,
            kind=kind,
            key=f"{kind}:{session_pk}",
            topic=topic,
            organisation_id=org.pk,
            subject=subject,
            body="" if channel == "text" else "Hello. This message is part of the data set for measuring.",
            link=f"/sessions/{session_pk}/",
            status="sent",
            send_after=at,
            attempts=1,
            created_at=at,
            claimed_at=at,
            sent_at=at,
            error="",
        )

    def _support(self, session, user, lead, asked_at):
        rng = self.rng
        kind = rng.choices(("travel", "childcare", "interpreter", "access"), weights=(12, 5, 2, 1))[0]
        row = {"session_id": session.pk, "user_id": user.pk, "kind": kind, "created_at": asked_at}
        if kind == "travel":
            row.update(travel_mode=rng.choice(("public", "car", "taxi")), expected_cost_pence=rng.randint(200, 2500))
        elif kind == "childcare":
            row.update(children_count=rng.randint(1, 3), children_ages="2 and 5")
        elif kind == "interpreter":
            row.update(language=rng.choice(("Polish", "Urdu", "Arabic", "Romanian")))
        else:
            row.update(details="A quiet room nearby, please.")
        if session.starts_at < self.now:
            status = rng.choices(("approved", "declined", "withdrawn"), weights=(70, 15, 15))[0]
        else:
            status = rng.choices(("pending", "approved"), weights=(80, 20))[0]
        row["status"] = status
        if status in ("approved", "declined"):
            row.update(decided_by_id=lead.pk, decided_at=min(asked_at + timedelta(days=1), self.now))
            if status == "approved" and kind == "travel":
                row["approved_amount_pence"] = row["expected_cost_pence"]
            if status == "declined":
                row["decision_reason"] = "The fund for this quarter is spent."
        self.writers[SupportRequest].add(**row)

    def _checkin(self, session, user, lead):
        rng = self.rng
        feeling_out = rng.choices((1, 2, 3, 4, 5), weights=(1, 3, 20, 40, 36))[0]
        talk = rng.random() < 0.03
        self.writers[CheckIn].add(
            session_id=session.pk,
            user_id=user.pk,
            checked_in_at=session.starts_at + timedelta(minutes=rng.randint(0, 15)),
            checked_in_by_id=lead.pk,
            checkin_feeling=rng.randint(2, 5),
            checked_out_at=session.ends_at,
            checkout_feeling=feeling_out,
            wants_to_talk=talk,
        )
        if talk or feeling_out <= 2:
            due = timezone.localdate(session.ends_at, LONDON) + timedelta(days=2)
            closed = session.ends_at < self.now - timedelta(days=14)
            self.writers[FollowUp].add(
                session_id=session.pk,
                person_id=user.pk,
                reason="talk" if talk else "low_feeling",
                assigned_to_id=lead.pk,
                due_on=due,
                created_at=session.ends_at,
                closed_at=session.ends_at + timedelta(days=2) if closed else None,
                closed_by_id=lead.pk if closed else None,
                note="Called. Doing fine, will come next time." if closed else "",
            )

    def _outcomes(self, session, lead, active, *, inquorate):
        rng, w, pk, at = self.rng, self.writers, session.pk, session.ends_at
        if rng.random() < 0.9:
            w[Debrief].add(
                session_id=pk,
                went_well="Everyone spoke.",
                was_hard="Time was short.",
                to_change="Start on time.",
                recorded_by_id=lead.pk,
                recorded_at=at + timedelta(hours=5),
            )
        if rng.random() < 0.3:
            w[Decision].add(
                session_id=pk,
                proposal="Ask the hub to open on Saturdays.",
                outcome="Agreed.",
                recorded_by_id=lead.pk,
                recorded_at=at,
                needs_confirmation=inquorate,
            )
        if rng.random() < 0.4 and active:
            due = timezone.localdate(at, LONDON) + timedelta(days=30)
            owner = rng.choice(active)[0] if rng.random() < 0.5 else lead
            w[Action].add(
                session_id=pk,
                description="Write to the maternity team.",
                owner_id=owner.pk,
                due_on=due,
                status="done" if due < self.now.date() - timedelta(days=30) else rng.choice(("open", "in_progress")),
                recorded_by_id=lead.pk,
                recorded_at=at,
            )
        if rng.random() < 0.08:
            w[Win].add(
                session_id=pk, description="Letters now use plain words.", recorded_by_id=lead.pk, recorded_at=at
            )


class Command(BaseCommand):
    help = "Fills the database with a large data set for measuring (see bench/README.md)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, help="1: one organisation, 40 groups; 10 (default): issue 10's set")
        parser.add_argument("--organisations", type=int)
        parser.add_argument("--groups-per-org", type=int)
        parser.add_argument("--people", type=int, help="people in all (staff, facilitators, parents, professionals)")
        parser.add_argument("--years", type=float, default=3)
        parser.add_argument("--sessions", type=int, help="sessions in all")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true", help="add to a database that has organisations already")

    def handle(self, *args, **options):
        sizes = sizes_for(options["scale"] if options["scale"] is not None else 10)
        for name in ("organisations", "groups_per_org", "people", "sessions"):
            if options[name] is not None:
                sizes[name] = options[name]
        if min(sizes.values()) < 1 or options["years"] <= 0:
            raise CommandError("Sizes and years must be at least 1.")
        if Organisation.objects.exists() and not options["force"]:
            raise CommandError(
                "This database already has organisations. seed_scale is for a database kept for measuring; "
                "add --force to add the data set beside them."
            )
        rng = random.Random(options["seed"])
        orgs = sizes["organisations"]
        started = time.monotonic()
        progress = Progress(sizes["sessions"], "Sessions")
        seeder = Seeder(rng=rng, years=options["years"], now=timezone.now(), progress=progress)
        prefix = f"scale{options['seed']}"
        existing = Organisation.objects.filter(slug__startswith=prefix).count()
        for o in range(orgs):
            number = existing + o + 1
            with transaction.atomic():
                seeder.organisation(
                    number=number,
                    slug=f"{prefix}-{number}",
                    groups_per_org=sizes["groups_per_org"],
                    people=sizes["people"] // orgs + (1 if o < sizes["people"] % orgs else 0),
                    sessions=sizes["sessions"] // orgs + (1 if o < sizes["sessions"] % orgs else 0),
                )
        progress.finish()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        counts = {
            "organisations": orgs,
            "groups": orgs * sizes["groups_per_org"],
            "people": User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count(),
            "sessions": Session.objects.filter(group__organisation__slug__startswith=prefix).count(),
            **seeder.counts(),
        }
        summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        self.stdout.write(f"Seeded in {time.monotonic() - started:.0f} s: {summary}.")
