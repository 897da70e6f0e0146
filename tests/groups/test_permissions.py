"""Every URL of the groups app (and home, profile, invitation links and the admin site) against every kind of
person: anonymous → sign-in, outside the organisation → 404, inside without the right → 403, right role → 200.

The tables read as a matrix: one row per (page, person) with the answer expected. Refused POSTs must change
nothing in the database.
"""

import pytest
from django.urls import reverse

from groups import services
from groups.models import (
    Acknowledgement,
    AgreementVersion,
    Group,
    Invitation,
    Membership,
    StaffRole,
)

LOGIN = "login"  # anonymous: a redirect to the sign-in page

# --- the people -------------------------------------------------------------------------------------------


@pytest.fixture
def outsider_parent(make_user, other_organisation, outsider):
    """A parent in a group of another organisation."""
    user = make_user(email="outsider.parent@example.test")
    group = Group.objects.get(organisation=other_organisation)
    services.membership_add(group=group, user=user, role=Membership.Role.PARENT, acting_user=outsider)
    return user


@pytest.fixture
def stranger(make_user):
    """Signed in, but part of no organisation at all."""
    return make_user(email="stranger@example.test")


@pytest.fixture
def org_facilitator(make_user, organisation, grant):
    """A facilitator of the organisation who is not a member of the group."""
    return grant(make_user(email="facilitator3@example.test"), organisation, StaffRole.Role.FACILITATOR)


@pytest.fixture
def site_staff(make_user):
    """Someone who looks after the installation: is_staff, no organisation role."""
    user = make_user(email="staff@example.test")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


ACTORS = [
    "anonymous",
    "stranger",
    "outsider",
    "outsider_parent",
    "other_parent",
    "parent",
    "professional",
    "org_facilitator",
    "governance_lead",
    "facilitator",
    "org_admin",
]


@pytest.fixture
def group(group_with_members, other_group, outsider, outsider_parent):
    """Everything the matrix needs exists before anyone signs in."""
    return group_with_members


def client_for(client, request, actor):
    if actor == "anonymous":
        return None
    user = request.getfixturevalue(actor)
    client.force_login(user)
    return user


def assert_answer(response, expected, path):
    if expected == LOGIN:
        assert response.status_code == 302, response
        assert response["Location"].startswith(reverse("account_login") + "?next="), response["Location"]
        assert path in response["Location"].replace("%2F", "/")
    else:
        assert response.status_code == expected, (response.status_code, expected, path)


# --- GET: the pages of one group ---------------------------------------------------------------------------

GROUP_PAGES = ["detail", "members", "agreement", "edit", "agreement_edit", "invite", "leave"]

# page:                         detail members agreement edit agreement_edit invite leave
GROUP_PAGE_MATRIX = {
    "anonymous": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN],
    "stranger": [404, 404, 404, 404, 404, 404, 404],
    "outsider": [404, 404, 404, 404, 404, 404, 404],
    "outsider_parent": [404, 404, 404, 404, 404, 404, 404],
    "other_parent": [403, 403, 403, 403, 403, 403, 403],
    "parent": [200, 200, 200, 403, 403, 403, 200],
    "professional": [200, 200, 200, 403, 403, 403, 200],
    # staff outside the group see that it exists, not who is in it (security review, least privilege)
    "org_facilitator": [200, 403, 200, 403, 403, 403, 403],
    "governance_lead": [200, 403, 200, 403, 403, 403, 403],
    "facilitator": [200, 200, 200, 200, 200, 200, 200],
    "org_admin": [200, 200, 200, 200, 200, 200, 403],
}
assert set(GROUP_PAGE_MATRIX) == set(ACTORS)


@pytest.mark.parametrize(
    "actor,url_name,expected",
    [
        (actor, url_name, expected)
        for actor, answers in GROUP_PAGE_MATRIX.items()
        for url_name, expected in zip(GROUP_PAGES, answers, strict=True)
    ],
)
def test_group_pages(client, request, group, actor, url_name, expected):
    client_for(client, request, actor)
    path = reverse(f"groups:{url_name}", args=[group.pk])

    response = client.get(path)

    assert_answer(response, expected, path)
    if expected == 200:
        assert group.name.replace("'", "&#x27;") in response.content.decode()


@pytest.mark.parametrize("url_name", GROUP_PAGES)
def test_group_pages_of_a_group_that_does_not_exist_are_404(client, facilitator, url_name):
    client.force_login(facilitator)
    assert client.get(reverse(f"groups:{url_name}", args=[987654])).status_code == 404


def test_a_parent_cannot_see_another_groups_members(client, group, parent, other_group):
    client.force_login(parent)

    response = client.get(reverse("groups:members", args=[other_group.pk]))

    assert response.status_code == 403
    assert b"dad@example.test" not in response.content
    assert b"Fathers" not in response.content


def test_a_former_member_with_no_other_link_to_the_organisation_sees_nothing(client, group, parent):
    services.membership_leave(membership=Membership.objects.get(group=group, user=parent), acting_user=parent)
    client.force_login(parent)

    assert client.get(reverse("groups:detail", args=[group.pk])).status_code == 404


# --- GET: pages without a group ----------------------------------------------------------------------------

# page:                 list   create  home  profile
OTHER_PAGES = ["groups:list", "groups:create", "home", "profile"]
OTHER_PAGE_MATRIX = {
    "anonymous": [LOGIN, LOGIN, LOGIN, LOGIN],
    "stranger": [200, 403, 200, 200],
    # An outsider may start groups in their own organisation; the form offers nothing of ours (tested below).
    "outsider": [200, 200, 200, 200],
    "outsider_parent": [200, 403, 200, 200],
    "other_parent": [200, 403, 200, 200],
    "parent": [200, 403, 200, 200],
    "professional": [200, 403, 200, 200],
    "org_facilitator": [200, 200, 200, 200],
    "governance_lead": [200, 403, 200, 200],
    "facilitator": [200, 200, 200, 200],
    "org_admin": [200, 200, 200, 200],
}
assert set(OTHER_PAGE_MATRIX) == set(ACTORS)


@pytest.mark.parametrize(
    "actor,url_name,expected",
    [
        (actor, url_name, expected)
        for actor, answers in OTHER_PAGE_MATRIX.items()
        for url_name, expected in zip(OTHER_PAGES, answers, strict=True)
    ],
)
def test_pages_without_a_group(client, request, group, actor, url_name, expected):
    client_for(client, request, actor)
    path = reverse(url_name)

    response = client.get(path)

    assert_answer(response, expected, path)


# Who sees the Mothers' group (group_with_members) listed on /groups/.
LISTED = {
    "stranger": False,
    "outsider": False,
    "outsider_parent": False,
    "other_parent": False,
    "parent": True,
    "professional": True,
    "org_facilitator": True,
    "governance_lead": True,
    "facilitator": True,
    "org_admin": True,
}


@pytest.mark.parametrize("actor,listed", LISTED.items())
def test_group_list_shows_only_what_a_person_may_see(client, request, group, actor, listed):
    client_for(client, request, actor)

    response = client.get(reverse("groups:list"))

    assert response.status_code == 200
    listed_ids = {g.pk for g in response.context["groups"]}
    assert (group.pk in listed_ids) is listed
    assert (reverse("groups:detail", args=[group.pk]).encode() in response.content) is listed


def test_outsiders_list_only_their_own_organisations_groups(client, group, outsider, other_organisation):
    client.force_login(outsider)

    response = client.get(reverse("groups:list"))

    assert {g.organisation_id for g in response.context["groups"]} == {other_organisation.pk}
    assert b"Mothers" not in response.content
    assert b"Bayside" not in response.content


def test_create_form_offers_only_the_persons_own_organisations(client, group, outsider, other_organisation):
    client.force_login(outsider)

    response = client.get(reverse("groups:create"))

    assert list(response.context["form"].fields["organisation"].queryset) == [other_organisation]


# --- invitation links --------------------------------------------------------------------------------------


@pytest.fixture
def invitation(group, facilitator):
    return services.invitation_create(
        group=group, email="newparent@example.test", role=Membership.Role.PARENT, acting_user=facilitator
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_invitation_link_is_open_to_whoever_holds_it(client, request, invitation, actor):
    # The link is the proof, so there is no sign-in redirect; a signed-in person with another address is
    # refused when they try to accept (see test_views / test_services).
    client_for(client, request, actor)

    response = client.get(reverse("invitation_accept", args=[invitation.token]))

    assert response.status_code == 200
    assert b"Join Mothers" in response.content


@pytest.mark.parametrize("actor", ["anonymous", "parent", "facilitator"])
def test_a_made_up_invitation_link_is_gone(client, request, group, actor):
    client_for(client, request, actor)

    response = client.get(reverse("invitation_accept", args=["not-a-real-token"]))

    assert response.status_code == 410


# --- the admin site ----------------------------------------------------------------------------------------

ADMIN_MATRIX = {
    "anonymous": False,
    "stranger": False,
    "outsider": False,
    "parent": False,
    "professional": False,
    "facilitator": False,
    "org_admin": False,  # an organisation admin is not someone who looks after the installation
    "site_staff": True,
}


@pytest.mark.parametrize("actor,allowed", ADMIN_MATRIX.items())
@pytest.mark.parametrize("path", ["/admin/", "/admin/groups/group/", "/admin/groups/user/"])
def test_only_is_staff_reaches_the_admin_site(client, request, group, actor, allowed, path):
    # given
    if actor == "site_staff":
        user = request.getfixturevalue("site_staff")
        # The group and user lists need the model permissions as well as is_staff.
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
        client.force_login(user)
    else:
        client_for(client, request, actor)

    # when
    response = client.get(path)

    # then
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_is_staff_alone_reaches_the_admin_index(client, site_staff):
    client.force_login(site_staff)

    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("actor", ["parent", "facilitator", "org_admin"])
def test_admin_link_is_only_shown_to_is_staff(client, request, group, actor, site_staff):
    client_for(client, request, actor)
    assert b'href="/admin/"' not in client.get(reverse("home")).content

    client.force_login(site_staff)
    assert b'href="/admin/"' in client.get(reverse("home")).content


# --- POST: who may change what -----------------------------------------------------------------------------

REFUSED_IN_ORG = 403
REFUSED_OUTSIDE = 404


def snapshot(group):
    """Everything a refused POST might wrongly have changed."""
    group.refresh_from_db()
    return {
        "group": (group.name, group.kind, group.purpose, group.parent_quorum),
        "groups": Group.objects.count(),
        "versions": list(AgreementVersion.objects.filter(group=group).values_list("number", "text")),
        "acks": Acknowledgement.objects.count(),
        "invitations": list(Invitation.objects.values_list("email", "revoked_at", "accepted_at")),
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "left_at")),
    }


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", LOGIN),
        ("stranger", REFUSED_OUTSIDE),
        ("outsider", REFUSED_OUTSIDE),
        ("other_parent", REFUSED_IN_ORG),
        ("parent", REFUSED_IN_ORG),
        ("professional", REFUSED_IN_ORG),
        ("org_facilitator", REFUSED_IN_ORG),
        ("governance_lead", REFUSED_IN_ORG),
        ("facilitator", 302),
        ("org_admin", 302),
    ],
)
def test_post_invite(client, request, group, actor, expected, mailoutbox, django_capture_on_commit_callbacks):
    # given
    client_for(client, request, actor)
    before = snapshot(group)
    path = reverse("groups:invite", args=[group.pk])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"email": "someone.new@example.test", "full_name": "", "role": "parent"})

    # then
    assert_answer(response, expected, path)
    if expected == 302:
        assert response["Location"] == reverse("groups:members", args=[group.pk])
        assert Invitation.objects.filter(group=group, email="someone.new@example.test").count() == 1
        assert [m.to for m in mailoutbox] == [["someone.new@example.test"]]
    else:
        assert snapshot(group) == before
        assert mailoutbox == []


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", LOGIN),
        ("stranger", REFUSED_OUTSIDE),
        ("outsider", REFUSED_OUTSIDE),
        ("other_parent", REFUSED_IN_ORG),
        ("parent", REFUSED_IN_ORG),
        ("professional", REFUSED_IN_ORG),
        ("org_facilitator", REFUSED_IN_ORG),
        ("governance_lead", REFUSED_IN_ORG),
        ("facilitator", 302),
        ("org_admin", 302),
    ],
)
def test_post_agreement_edit(client, request, group, actor, expected):
    client_for(client, request, actor)
    before = snapshot(group)
    path = reverse("groups:agreement_edit", args=[group.pk])

    response = client.post(path, {"text": "We are kind to each other."})

    assert_answer(response, expected, path)
    if expected == 302:
        assert list(group.agreement_versions.order_by("number").values_list("number", flat=True)) == [1, 2]
        assert group.agreement_versions.get(number=2).text == "We are kind to each other."
    else:
        assert snapshot(group) == before


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", LOGIN),
        ("stranger", REFUSED_OUTSIDE),
        ("outsider", REFUSED_OUTSIDE),
        ("other_parent", REFUSED_IN_ORG),
        # Staff of the organisation who are not members do not acknowledge a group's agreement.
        ("org_facilitator", REFUSED_IN_ORG),
        ("governance_lead", REFUSED_IN_ORG),
        ("org_admin", REFUSED_IN_ORG),
        ("parent", 302),
        ("professional", 302),
        ("facilitator", 302),
    ],
)
def test_post_acknowledge(client, request, group, actor, expected):
    user = client_for(client, request, actor)
    version = services.agreement_current(group=group)
    before = snapshot(group)
    path = reverse("groups:agreement", args=[group.pk])

    response = client.post(path, {"version": version.pk, "agree": "on"})

    assert_answer(response, expected, path)
    if expected == 302:
        assert Acknowledgement.objects.filter(version=version, user=user).exists()
        assert Acknowledgement.objects.count() == before["acks"] + 1
    else:
        assert snapshot(group) == before


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", LOGIN),
        ("stranger", REFUSED_OUTSIDE),
        ("outsider", REFUSED_OUTSIDE),
        ("other_parent", REFUSED_IN_ORG),
        ("org_facilitator", REFUSED_IN_ORG),
        ("governance_lead", REFUSED_IN_ORG),
        ("org_admin", REFUSED_IN_ORG),
        ("parent", 302),
        ("professional", 302),
        ("facilitator", 302),
    ],
)
def test_post_leave(client, request, group, actor, expected):
    user = client_for(client, request, actor)
    before = snapshot(group)
    path = reverse("groups:leave", args=[group.pk])

    response = client.post(path)

    assert_answer(response, expected, path)
    if expected == 302:
        assert response["Location"] == reverse("home")
        membership = Membership.objects.get(group=group, user=user)
        assert membership.left_at is not None
        assert group.memberships.active().count() == 3
    else:
        assert snapshot(group) == before


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", LOGIN),
        ("stranger", REFUSED_OUTSIDE),
        ("outsider", REFUSED_OUTSIDE),
        ("other_parent", REFUSED_IN_ORG),
        ("parent", REFUSED_IN_ORG),
        ("professional", REFUSED_IN_ORG),
        ("org_facilitator", REFUSED_IN_ORG),
        ("governance_lead", REFUSED_IN_ORG),
        ("facilitator", 302),
        ("org_admin", 302),
    ],
)
def test_post_revoke_invitation(client, request, invitation, group, actor, expected):
    client_for(client, request, actor)
    before = snapshot(group)
    path = reverse("groups:invitation_revoke", args=[group.pk, invitation.pk])

    response = client.post(path)

    assert_answer(response, expected, path)
    invitation.refresh_from_db()
    if expected == 302:
        assert invitation.revoked_at is not None
    else:
        assert invitation.revoked_at is None
        assert snapshot(group) == before


def test_revoke_only_accepts_post(client, invitation, facilitator):
    client.force_login(facilitator)

    response = client.get(reverse("groups:invitation_revoke", args=[invitation.group_id, invitation.pk]))

    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_cannot_revoke_another_groups_invitation_through_ones_own_group(client, group, facilitator, other_group):
    # given: an invitation to the Fathers' group, which Fran does not facilitate
    other_invitation = services.invitation_create(
        group=other_group,
        email="dad2@example.test",
        role=Membership.Role.PARENT,
        acting_user=other_group.memberships.get(role=Membership.Role.FACILITATOR).user,
    )
    client.force_login(facilitator)

    # when: through her own group's URL, and through the other group's URL
    through_own = client.post(reverse("groups:invitation_revoke", args=[group.pk, other_invitation.pk]))
    through_other = client.post(reverse("groups:invitation_revoke", args=[other_group.pk, other_invitation.pk]))

    # then
    assert through_own.status_code == 404
    assert through_other.status_code == 403
    other_invitation.refresh_from_db()
    assert other_invitation.revoked_at is None


def group_form_data(organisation, name="Kinship carers' group", kind="working", quorum=""):
    return {
        "organisation": organisation.pk,
        "name": name,
        "kind": kind,
        "purpose": "Kinship carers shaping support.",
        "parent_quorum": quorum,
        "agreement_text": "",
    }


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", LOGIN),
        ("stranger", REFUSED_IN_ORG),
        ("outsider_parent", REFUSED_IN_ORG),
        ("other_parent", REFUSED_IN_ORG),
        ("parent", REFUSED_IN_ORG),
        ("professional", REFUSED_IN_ORG),
        ("governance_lead", REFUSED_IN_ORG),
        # An outsider facilitator may start groups, but only in their own organisation: ours is not a choice.
        ("outsider", 200),
        ("org_facilitator", 302),
        ("facilitator", 302),
        ("org_admin", 302),
    ],
)
def test_post_group_create(client, request, group, organisation, actor, expected):
    client_for(client, request, actor)
    before = snapshot(group)
    path = reverse("groups:create")

    response = client.post(path, group_form_data(organisation))

    assert_answer(response, expected, path)
    if expected == 302:
        group = Group.objects.get(organisation=organisation, name="Kinship carers' group")
        assert response["Location"] == group.get_absolute_url()
    else:
        assert not Group.objects.filter(name="Kinship carers' group").exists()
        assert snapshot(group) == before
    if expected == 200:
        assert "organisation" in response.context["form"].errors


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", LOGIN),
        ("stranger", REFUSED_OUTSIDE),
        ("outsider", REFUSED_OUTSIDE),
        ("other_parent", REFUSED_IN_ORG),
        ("parent", REFUSED_IN_ORG),
        ("professional", REFUSED_IN_ORG),
        ("org_facilitator", REFUSED_IN_ORG),
        ("governance_lead", REFUSED_IN_ORG),
        ("facilitator", 302),
        ("org_admin", 302),
    ],
)
def test_post_group_edit(client, request, group, organisation, actor, expected):
    client_for(client, request, actor)
    before = snapshot(group)
    path = reverse("groups:edit", args=[group.pk])

    response = client.post(path, group_form_data(organisation, name="Mums' group", kind="governance"))

    assert_answer(response, expected, path)
    group.refresh_from_db()
    if expected == 302:
        assert (group.name, group.kind, group.parent_quorum) == ("Mums' group", "governance", 2)
    else:
        assert group.name == "Mothers' group"
        assert snapshot(group) == before


# --- the health check --------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["anonymous", "parent"])
def test_health_check_is_public_and_reveals_nothing(client, request, actor):
    client_for(client, request, actor)

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.content == b"ok"
