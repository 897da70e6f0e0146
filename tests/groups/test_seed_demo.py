"""The demo data command: the people and groups it promises, safe to run twice, refused when DEBUG is off."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from groups.models import (
    Acknowledgement,
    AgreementVersion,
    Group,
    Membership,
    Organisation,
    PathwayRole,
    StaffRole,
    User,
)

PASSWORD = "coprod-demo"


def numbered(kind, count):
    return [f"{kind}@example.org"] + [f"{kind}{n}@example.org" for n in range(2, count + 1)]


PARENTS = numbered("parent", 12)
PROFESSIONALS = numbered("professional", 4)
FACILITATORS = numbered("facilitator", 3)
STAFF = {
    "admin@example.org": StaffRole.Role.ADMIN,
    "governance@example.org": StaffRole.Role.GOVERNANCE_LEAD,
    "safeguarding@example.org": StaffRole.Role.SAFEGUARDING_LEAD,
    "finance@example.org": StaffRole.Role.FINANCE_OFFICER,
}
OPERATOR = "operator@example.org"
EVERYONE = PARENTS + PROFESSIONALS + FACILITATORS + list(STAFF) + [OPERATOR]


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            EmailAddress,
            Organisation,
            StaffRole,
            Group,
            Membership,
            AgreementVersion,
            Acknowledgement,
            PathwayRole,
        )
    }


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_people_with_the_demo_password(seeded):
    users = {u.email: u for u in User.objects.all()}

    assert sorted(users) == sorted(EVERYONE)
    for email in EVERYONE:
        assert users[email].check_password(PASSWORD), email
        assert EmailAddress.objects.get(user=users[email]).verified, email
    assert "coprod-demo" in seeded


def test_seed_demo_gives_staff_their_roles(seeded):
    organisation = Organisation.objects.get()

    for email, role in STAFF.items():
        assert StaffRole.objects.filter(organisation=organisation, user__email=email, role=role).exists(), email
    for email in FACILITATORS:
        assert StaffRole.objects.filter(user__email=email, role=StaffRole.Role.FACILITATOR).exists(), email
    for email in PARENTS + PROFESSIONALS:
        assert not StaffRole.objects.filter(user__email=email).exists(), email
    # Only the operator looks after the installation; the organisation admin is not an operator.
    assert list(User.objects.filter(is_staff=True).values_list("email", flat=True)) == [OPERATOR]
    assert list(User.objects.filter(is_superuser=True).values_list("email", flat=True)) == [OPERATOR]
    assert not StaffRole.objects.filter(user__email=OPERATOR).exists()


def test_seed_demo_gives_the_roles_that_need_it_a_two_step_key(seeded):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time

    from groups.management.commands.seed_demo import TOTP_SECRET

    with_totp = set(Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("user__email", flat=True))
    assert with_totp == {"admin@example.org", "safeguarding@example.org", "finance@example.org", OPERATOR}
    # the published key makes codes the accounts accept
    code = format_hotp_value(hotp_value(TOTP_SECRET, next(yield_hotp_counters_from_time())))
    authenticator = Authenticator.objects.get(user__email="admin@example.org", type=Authenticator.Type.TOTP)
    assert TOTP(authenticator).validate_code(code)
    assert TOTP_SECRET in seeded


def test_seed_demo_creates_the_four_groups(seeded):
    groups = {g.name: g for g in Group.objects.all()}

    assert set(groups) == {"Mothers' group", "Fathers' group", "Born into Care steering group", "Finance committee"}
    assert groups["Finance committee"].kind == Group.Kind.GOVERNANCE
    assert groups["Finance committee"].parent_quorum == 2
    for name in ("Mothers' group", "Fathers' group", "Born into Care steering group"):
        assert groups[name].parent_quorum == 0
    for group in groups.values():
        assert group.agreement_versions.get().number == 1
        assert group.memberships.active().filter(role=Membership.Role.FACILITATOR).exists()
        assert group.memberships.active().filter(role=Membership.Role.PARENT).exists()
    finance_parents = groups["Finance committee"].memberships.active().filter(role=Membership.Role.PARENT)
    assert finance_parents.count() >= 2


def test_seed_demo_leaves_parent_an_agreement_to_read(seeded):
    # The demo shows the "needs your attention" path: parent@ has not agreed to the steering group's agreement.
    steering = Group.objects.get(name="Born into Care steering group")
    version = steering.agreement_versions.get()

    assert steering.memberships.active().filter(user__email="parent@example.org").exists()
    assert not version.acknowledgements.filter(user__email="parent@example.org").exists()


def test_seed_demo_twice_creates_no_duplicates(seeded, settings):
    # given
    before = counts()

    # when
    call_command("seed_demo", stdout=io.StringIO())

    # then
    assert counts() == before
    assert User.objects.count() == len(EVERYONE)
    assert Group.objects.count() == 4
    assert before["Organisation"] == 1


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())

    assert not User.objects.exists()
    assert not Group.objects.exists()
