"""Consent pages: the person's own (each organisation, the five kinds, when and how, change, history) and the staff
page recording a consent given in person or on paper (facilitators and admins of the organisation)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from safeguarding.models import ConsentHow, ConsentKind, ConsentRecord
from safeguarding.services.consent import consent_record
from tests.safeguarding.factories_s2 import safeguarding_rows

LOGIN = "/accounts/login/"


def test_my_consent_lists_each_kind_and_changes_one(client, group_with_members, organisation, parent):
    client.force_login(parent)
    url = reverse("safeguarding:my_consent")
    page = client.get(url).content.decode()
    assert organisation.name in page
    for label in ConsentKind.labels:
        assert label.replace("'", "&#x27;") in page
    assert "You have not been asked yet." in page

    response = client.post(url, {"organisation": organisation.pk, "kind": "photos", "given": "yes"})
    assert response.status_code == 302
    client.post(url, {"organisation": organisation.pk, "kind": "photos", "given": "no"})

    rows = list(ConsentRecord.objects.filter(person=parent).order_by("recorded_at", "pk"))
    assert [(r.given, r.how, r.recorded_by_id) for r in rows] == [
        (True, ConsentHow.ONLINE, parent.pk),
        (False, ConsentHow.ONLINE, parent.pk),
    ]
    page = client.get(url).content.decode()
    assert "Earlier choices" in page  # the history
    assert "Change to yes" in page


def test_my_consent_refuses_an_organisation_the_person_is_not_in(
    client, group_with_members, other_organisation, parent
):
    client.force_login(parent)
    response = client.post(
        reverse("safeguarding:my_consent"), {"organisation": other_organisation.pk, "kind": "photos", "given": "yes"}
    )
    assert response.status_code == 200
    assert "<title>Error: My consent" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_my_consent_needs_sign_in(client):
    response = client.get(reverse("safeguarding:my_consent"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def record_url(organisation, person):
    return reverse("safeguarding:consent_record", args=[organisation.pk, person.pk])


@pytest.mark.parametrize(
    ("who", "expected"),
    [("facilitator", 200), ("org_admin", 200), ("professional", 403), ("safeguarding_lead", 403), ("outsider", 404)],
)
def test_the_staff_page_per_role(client, request, group_with_members, organisation, parent, who, expected):
    client.force_login(request.getfixturevalue(who))
    assert client.get(record_url(organisation, parent)).status_code == expected


def test_the_staff_page_sends_anonymous_visitors_to_sign_in(client, group_with_members, organisation, parent):
    response = client.get(record_url(organisation, parent))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_person_outside_the_organisation_is_a_404(client, group_with_members, organisation, facilitator, make_user):
    client.force_login(facilitator)
    assert client.get(record_url(organisation, make_user())).status_code == 404


def test_staff_record_a_paper_consent(client, group_with_members, organisation, parent, facilitator):
    client.force_login(facilitator)
    response = client.post(record_url(organisation, parent), {"kind": "quotes", "given": "yes", "how": "paper"})
    assert response.status_code == 302
    [record] = ConsentRecord.objects.all()
    assert (record.person, record.kind, record.given, record.how, record.recorded_by) == (
        parent,
        ConsentKind.QUOTES,
        True,
        ConsentHow.PAPER,
        facilitator,
    )
    page = client.get(record_url(organisation, parent)).content.decode()
    assert "on a paper form" in page


def test_the_staff_form_with_problems_shows_them(client, group_with_members, organisation, parent, facilitator):
    client.force_login(facilitator)
    response = client.post(record_url(organisation, parent), {"kind": "quotes", "how": "online"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Record consent" in page
    assert "Choose yes or no." in page
    assert not ConsentRecord.objects.exists()


def test_refused_posts_record_nothing(client, group_with_members, organisation, parent, professional, outsider):
    for person in (professional, outsider):
        client.force_login(person)
        client.post(record_url(organisation, parent), {"kind": "quotes", "given": "yes", "how": "paper"})
    assert not ConsentRecord.objects.exists()


def test_the_staff_page_shows_the_persons_own_choices(client, group_with_members, organisation, parent, facilitator):
    consent_record(
        person=parent, organisation=organisation, acting_user=parent, kind="photos", given=True, how="online"
    )
    client.force_login(facilitator)
    page = client.get(record_url(organisation, parent)).content.decode()
    assert "online, by the person" in page


# --- hostile input ---------------------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.sampled_from(["", " ", "\x00", "photos", "yes", "no", "paper", "online", "-1", "1e26", "😀", "' OR 1=1 --"]),
    st.text(max_size=30),
    st.integers(-(10**20), 10**20).map(str),
)
HYPOTHESIS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@HYPOTHESIS
@given(
    # Good values mixed in, so whole valid records are saved too, not only refused
    post=st.fixed_dictionaries(
        {
            "kind": st.one_of(st.sampled_from(["photos", "quotes"]), HOSTILE),
            "given": st.one_of(st.sampled_from(["yes", "no"]), HOSTILE),
            "how": st.one_of(st.sampled_from(["paper", "in_person", "phone"]), HOSTILE),
        }
    )
)
@example(post={"kind": "photos", "given": "yes", "how": "paper"})
def test_hostile_staff_input_is_refused_kindly_or_saved_whole(
    client, group_with_members, organisation, parent, facilitator, post
):
    client.force_login(facilitator)
    before = safeguarding_rows()
    response = client.post(record_url(organisation, parent), post)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "There is a problem" in response.content.decode()
        assert safeguarding_rows() == before
    else:
        record = ConsentRecord.objects.order_by("-pk").first()
        assert (record.kind, record.how) == (post["kind"], post["how"])


@HYPOTHESIS
@given(post=st.fixed_dictionaries({"organisation": HOSTILE, "kind": HOSTILE, "given": HOSTILE}))
def test_hostile_own_consent_input_never_fails(client, group_with_members, parent, post):
    client.force_login(parent)
    before = safeguarding_rows()
    response = client.post(reverse("safeguarding:my_consent"), post)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert safeguarding_rows() == before
