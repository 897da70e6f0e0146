"""Query-count guards: a list page runs the same number of queries for 1 row as for 30.

Each page gets one bound, asserted for both sizes, so a query per row (an N+1) fails the 30-row case.
"""

from datetime import date

import pytest
from django.urls import reverse

from groups import services
from groups.models import Group, Membership, PathwayRole

SIZES = [1, 30]

# One bound per page, the same whatever the number of rows.
BOUND = {
    "list": 6,
    "members_as_facilitator": 10,
    "members_as_parent": 9,
    "home_as_facilitator": 18,
    "home_as_parent": 10,  # and their payment claims to check
}


@pytest.fixture
def world(organisation, facilitator, make_user):
    """Build `n` groups (all facilitated by `facilitator`), the first with `n` parents; the first parent is in
    every group. Every row carries what its page shows: pathway roles, acknowledgements, open invitations."""

    def build(n):
        groups = [
            services.group_create(
                organisation=organisation,
                name=f"Group {i:02d}",
                kind=Group.Kind.GOVERNANCE if i % 2 else Group.Kind.COPRODUCTION,
                purpose="A group for the query-count guard.",
                acting_user=facilitator,
            )
            for i in range(n)
        ]
        first = groups[0]
        parents = [make_user(full_name=f"Parent {i:02d}", pronouns="they/them") for i in range(n)]
        for i, person in enumerate(parents):
            services.membership_add(group=first, user=person, role=Membership.Role.PARENT, acting_user=facilitator)
            PathwayRole.objects.create(
                organisation=organisation, user=person, role=PathwayRole.Role.CHAMPION, starts_on=date(2025, 1, 1)
            )
            if i % 2:
                services.agreement_acknowledge(version=services.agreement_current(group=first), user=person)
            services.invitation_create(
                group=first, email=f"invitee{i}@example.test", role=Membership.Role.PARENT, acting_user=facilitator
            )
        for group in groups[1:]:
            services.membership_add(group=group, user=parents[0], role=Membership.Role.PARENT, acting_user=facilitator)
        return {"groups": groups, "first": first, "parent": parents[0]}

    return build


@pytest.mark.parametrize("n", SIZES)
def test_group_list(client, world, facilitator, n, django_assert_max_num_queries):
    data = world(n)
    client.force_login(facilitator)

    with django_assert_max_num_queries(BOUND["list"]):
        response = client.get(reverse("groups:list"))

    assert response.status_code == 200
    assert len(response.context["groups"]) == n
    assert response.content.decode().count("/groups/") >= n
    first = next(g for g in response.context["groups"] if g.pk == data["first"].pk)
    assert (first.member_count, first.parent_count) == (n + 1, n)


@pytest.mark.parametrize("n", SIZES)
def test_group_members_as_facilitator(client, world, facilitator, n, django_assert_max_num_queries):
    data = world(n)
    client.force_login(facilitator)

    with django_assert_max_num_queries(BOUND["members_as_facilitator"]):
        response = client.get(reverse("groups:members", args=[data["first"].pk]))

    assert response.status_code == 200
    assert len(response.context["rows"]) == n + 1
    assert len(response.context["invitations"]) == n
    assert response.content.decode().count("Parent champion") == n


@pytest.mark.parametrize("n", SIZES)
def test_group_members_as_parent(client, world, n, django_assert_max_num_queries):
    data = world(n)
    client.force_login(data["parent"])

    with django_assert_max_num_queries(BOUND["members_as_parent"]):
        response = client.get(reverse("groups:members", args=[data["first"].pk]))

    assert response.status_code == 200
    assert len(response.context["rows"]) == n + 1
    assert "invitations" not in response.context


@pytest.mark.parametrize("n", SIZES)
def test_home_as_facilitator(client, world, facilitator, n, django_assert_max_num_queries):
    world(n)
    client.force_login(facilitator)

    with django_assert_max_num_queries(BOUND["home_as_facilitator"]):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    facilitated = list(response.context["facilitated_groups"])
    assert len(facilitated) == n
    assert facilitated[0].active_member_count == n + 1
    assert len(response.context["agreements_awaiting"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_home_as_parent(client, world, n, django_assert_max_num_queries):
    data = world(n)
    client.force_login(data["parent"])

    with django_assert_max_num_queries(BOUND["home_as_parent"]):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    assert len(response.context["memberships"]) == n
    assert len(response.context["agreements_awaiting"]) == n
