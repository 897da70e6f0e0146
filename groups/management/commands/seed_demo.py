"""Demo data for a laptop: one partnership, four groups, people in every role. Safe to run twice."""

from datetime import date

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from core import extensions
from groups import services
from groups.models import Acknowledgement, Group, Membership, Organisation, PathwayRole, StaffRole, User

PASSWORD = "coprod-demo"  # noqa: S105 - published demo password, refused when DEBUG is off
# The two-step sign-in key of the demo accounts that must use it (README: "Demo accounts"). Published like the
# password: add it to an authenticator app, or make a code with `oathtool --totp -b <key>`.
TOTP_SECRET = "COPRODDEMOSECRETCOPRODDEMOSECRET"  # noqa: S105
OPERATOR = ("operator@example.org", "Olly Operator")

PARENTS = [
    ("Amira Hassan", "Amira", "ah-MEER-ah", "she/her"),
    ("Jodie Clarke", "Jodie", "", "she/her"),
    ("Siobhan O'Neill", "Shiv", "shiv-AWN", "she/her"),
    ("Grace Mensah", "Grace", "", ""),
    ("Kasia Nowak", "Kasia", "KAH-sha", "she/her"),
    ("Leanne Booth", "Leanne", "", ""),
    ("Dean Walsh", "Dean", "", "he/him"),
    ("Tomasz Zielinski", "Tom", "", "he/him"),
    ("Marcus Reid", "Marcus", "", "he/him"),
    ("Imran Qureshi", "Imran", "im-RAHN", "he/him"),
    ("Chloe Barnes", "Chloe", "", "she/her"),
    ("Sam Oduya", "Sam", "oh-DOO-ya", "they/them"),
]
PROFESSIONALS = [
    ("Helen Firth", "Specialist midwife"),
    ("Raj Patel", "Social work team manager"),
    ("Nicola Grant", "Health visitor"),
    ("Owen Hughes", "Family hub manager"),
]
FACILITATORS = ["Bernadette Kay", "Tariq Ahmed", "Louise Fielding"]
STAFF = [
    ("admin@example.org", "Priya Shah", StaffRole.Role.ADMIN),
    ("governance@example.org", "Martin Cole", StaffRole.Role.GOVERNANCE_LEAD),
    ("safeguarding@example.org", "Yvonne Adeyemi", StaffRole.Role.SAFEGUARDING_LEAD),
    ("finance@example.org", "Gareth Lloyd", StaffRole.Role.FINANCE_OFFICER),
]
GROUPS = [
    (
        "Mothers' group",
        Group.Kind.COPRODUCTION,
        "Mothers with experience of children's social care shaping how babies born into care are supported.",
    ),
    (
        "Fathers' group",
        Group.Kind.COPRODUCTION,
        "Dads sharing what helped and what got in the way, so services involve fathers from the start.",
    ),
    (
        "Born into Care steering group",
        Group.Kind.STEERING,
        "Parents and service leads agreeing the local plan and checking it is being delivered.",
    ),
    (
        "Finance committee",
        Group.Kind.GOVERNANCE,
        "Deciding together how the partnership's money is spent. A meeting only counts with two parents there.",
    ),
]
# (group index, parent numbers, professional numbers, facilitator numbers)
MEMBERS = [
    (0, [1, 2, 3, 4, 5, 6], [1, 2], [1, 2]),
    (1, [7, 8, 9, 10], [3], [2, 3]),
    (2, [1, 7, 11, 12], [1, 4], [1, 3]),
    (3, [2, 8, 11], [4], [1, 3]),
]


def _email(kind, n):
    return f"{kind}@example.org" if n == 1 else f"{kind}{n}@example.org"


class Command(BaseCommand):
    help = "Load demo data (one partnership, four groups, people in every role). Refused when DEBUG is off."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it creates accounts with a published password.")
        # Demo data tells nobody anything: messages it would trigger go to memory, not to the console or out.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Every demo account's password is: " + PASSWORD))
        self.stdout.write(
            "Sign in as admin@, facilitator@ (2, 3), parent@ (2–12), professional@ (2–4), "
            "governance@, safeguarding@ or finance@example.org; operator@example.org reaches the admin site"
        )
        self.stdout.write(
            "admin@, safeguarding@, finance@ and operator@ also need a two-step sign-in code: add this key to an "
            "authenticator app, or run `oathtool --totp -b " + TOTP_SECRET + "`: " + TOTP_SECRET
        )

    def _person(self, email, full_name, **extra):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = services.user_create(email=email, full_name=full_name, password=PASSWORD, verified=True, **extra)
        return user

    def _seed(self):
        org, _ = Organisation.objects.get_or_create(
            slug="better-start-bayside", defaults={"name": "Better Start Bayside"}
        )
        staff = {}
        for email, name, role in STAFF:
            staff[role] = self._person(email, name)
            services.staff_role_grant(organisation=org, user=staff[role], role=role)
        admin = staff[StaffRole.Role.ADMIN]
        # The organisation admin runs the partnership in the app; only the operator reaches the admin site.
        operator = self._person(*OPERATOR)
        if not operator.is_superuser:
            operator.is_staff = operator.is_superuser = True
            operator.save(update_fields=["is_staff", "is_superuser"])
        # Roles that see safeguarding records or bank details need two-step sign-in (groups.middleware), and so
        # do operators: these accounts get the published demo key, so the demo works without a set-up step.
        for person in (
            admin,
            staff[StaffRole.Role.SAFEGUARDING_LEAD],
            staff[StaffRole.Role.FINANCE_OFFICER],
            operator,
        ):
            if not Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(person, TOTP_SECRET)

        parents = [
            self._person(
                _email("parent", i),
                full,
                preferred_name=pref,
                name_pronunciation=say,
                pronouns=pron,
                phone=f"07700 900{i:03d}",
                contact_preference=("both" if i % 3 == 0 else "email"),
            )
            for i, (full, pref, say, pron) in enumerate(PARENTS, start=1)
        ]
        pros = [self._person(_email("professional", i), full) for i, (full, _) in enumerate(PROFESSIONALS, start=1)]
        facs = [self._person(_email("facilitator", i), full) for i, full in enumerate(FACILITATORS, start=1)]
        for f in facs:
            services.staff_role_grant(organisation=org, user=f, role=StaffRole.Role.FACILITATOR)

        groups = []
        for name, kind, purpose in GROUPS:
            group = Group.objects.filter(organisation=org, name=name).first()
            if group is None:
                group = services.group_create(
                    organisation=org, name=name, kind=kind, purpose=purpose, acting_user=admin
                )
            groups.append(group)

        for gi, parent_ns, pro_ns, fac_ns in MEMBERS:
            group = groups[gi]
            for n in fac_ns:
                services.membership_add(
                    group=group, user=facs[n - 1], role=Membership.Role.FACILITATOR, acting_user=admin
                )
            for n in parent_ns:
                services.membership_add(
                    group=group, user=parents[n - 1], role=Membership.Role.PARENT, acting_user=facs[fac_ns[0] - 1]
                )
            for n in pro_ns:
                services.membership_add(
                    group=group, user=pros[n - 1], role=Membership.Role.PROFESSIONAL, acting_user=facs[fac_ns[0] - 1]
                )
            # Most members have agreed to the agreement; parent@ still has the steering group's to read.
            version = services.agreement_current(group=group)
            for m in group.memberships.active():
                if not (gi == 2 and m.user == parents[0]) and m.user not in (parents[5], parents[9]):
                    Acknowledgement.objects.get_or_create(version=version, user=m.user)

        for n, role, start, end in [
            (1, PathwayRole.Role.CHAMPION, date(2025, 3, 1), None),
            (7, PathwayRole.Role.AMBASSADOR, date(2025, 9, 1), None),
            (11, PathwayRole.Role.MENTOR, date(2024, 1, 15), date(2025, 12, 31)),
            (11, PathwayRole.Role.CHAMPION, date(2026, 1, 1), None),
            (12, PathwayRole.Role.SUPPORTER, date(2026, 4, 1), None),
        ]:
            PathwayRole.objects.get_or_create(
                organisation=org, user=parents[n - 1], role=role, starts_on=start, defaults={"ends_on": end}
            )
        extensions.demo_seeders.call(
            context={
                "organisation": org,
                "groups": groups,
                "parents": parents,
                "professionals": pros,
                "facilitators": facs,
                "staff": staff,
            }
        )
