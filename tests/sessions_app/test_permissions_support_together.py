"""Who may decide a person's support requests together (sessions/<id>/support/person/<id>/decide/), every
role: signed out -> sign in; another organisation -> 404; inside it without managing the group -> 403; the
group's facilitators and the organisation admin -> the page. A refused post changes nothing and tells nobody."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from sessions_app import services
from sessions_app.models import Answer, SupportRequest

LOGIN = "/accounts/login/"
EXPECTED = {
    "anonymous": "login",
    "outsider": 404,
    "dad": 403,
    "parent": 403,
    "professional": 403,
    "governance_lead": 403,
    "safeguarding_lead": 403,
    "finance_officer": 403,
    "facilitator": 200,
    "facilitator2": 200,
    "org_admin": 200,
}


@pytest.fixture
def pair(make_session, parent):
    session = make_session()
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    return services.support_requests_create(
        session=session,
        user=parent,
        requests=[
            {"kind": SupportRequest.Kind.CHILDCARE, "children_count": 1, "expected_cost_pence": 1500},
            {"kind": SupportRequest.Kind.TRAVEL, "expected_cost_pence": 500},
        ],
    )


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith(LOGIN):
        return "login"
    return response.status_code


def url_for(pair, parent):
    return reverse("sessions_app:support_decide_together", args=[pair[0].session_id, parent.pk])


@pytest.mark.parametrize("role,expected", list(EXPECTED.items()))
def test_the_page_per_role(request, client, pair, parent, role, expected):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(url_for(pair, parent))
    assert outcome(response) == expected
    if expected == 200:
        assert "Decide all of Pat Parent" in response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize("role,expected", list(EXPECTED.items()))
def test_the_post_per_role(
    request, client, pair, parent, role, expected, mailoutbox, django_capture_on_commit_callbacks
):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    prefix = f"person-{pair[0].session_id}-{parent.pk}"
    before = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url_for(pair, parent),
            {f"{prefix}-request_ids": ",".join(str(r.pk) for r in pair), f"{prefix}-decision": "approve"},
        )
    rows = [SupportRequest.objects.get(pk=r.pk) for r in pair]
    if expected == 200:
        assert response.status_code == 302  # decided, back to the queue
        assert [r.status for r in rows] == [SupportRequest.Status.APPROVED] * 2
        assert AuditEvent.objects.filter(action="support_request.decided").count() == 2
    else:
        assert outcome(response) == expected
        assert [r.status for r in rows] == [SupportRequest.Status.PENDING] * 2
        assert not AuditEvent.objects.filter(action="support_request.decided").exists()
        assert len(mailoutbox) == before
