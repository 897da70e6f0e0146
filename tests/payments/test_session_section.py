"""A session's page tells its facilitators when parents' payments wait for them to confirm who came."""

from django.urls import reverse

from tests.payments.factories import held_session, make_claim


def test_facilitators_see_claims_waiting_for_them_and_parents_do_not(
    client, group_with_members, facilitator, facilitator2, parent
):
    session = held_session(group_with_members, facilitator, facilitator2, attendees={parent: (0, 120)})
    make_claim(session, parent)
    link = reverse("payments:attendance_confirm", args=[session.pk])
    client.force_login(facilitator2)
    page = client.get(reverse("sessions_app:detail", args=[session.pk])).content.decode()
    assert "waiting for a facilitator to confirm who came" in page and link in page
    client.force_login(parent)
    page = client.get(reverse("sessions_app:detail", args=[session.pk])).content.decode()
    assert link not in page
