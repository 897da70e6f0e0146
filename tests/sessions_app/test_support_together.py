"""Deciding a person's support requests for a session together (issue 11, item 3): the queue offers one form
"Decide all of Pat's requests" when someone waits on two or more; the service decides them all or none, each
audited and told as a single decision is; a second submit is refused with a code, not a 500."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEvent
from sessions_app import services
from sessions_app.models import Answer, SupportRequest

K = SupportRequest.Kind
S = SupportRequest.Status


@pytest.fixture
def session(make_session, parent):
    s = make_session(title="Planning the summer fun day")
    services.rsvp_answer(session=s, user=parent, answer=Answer.YES)
    return s


@pytest.fixture
def pair(session, parent):
    """Childcare and travel, asked for in one answer by the help journey."""
    return services.support_requests_create(
        session=session,
        user=parent,
        requests=[
            {"kind": K.CHILDCARE, "children_count": 2, "children_ages": "3 and 5", "expected_cost_pence": 2400},
            {"kind": K.TRAVEL, "travel_mode": SupportRequest.TravelMode.BUS_TRAIN, "expected_cost_pence": 640},
        ],
    )


def url(session, person):
    return reverse("sessions_app:support_decide_together", args=[session.pk, person.pk])


def post(client, session, person, requests, **fields):
    prefix = f"person-{session.pk}-{person.pk}"
    data = {f"{prefix}-request_ids": ",".join(str(r.pk) for r in requests)}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return client.post(url(session, person), data)


def statuses(rows):
    return [SupportRequest.objects.get(pk=r.pk).status for r in rows]


# --- the service ---------------------------------------------------------------------------------------------


def test_approve_all_pays_each_kind_its_amount_and_audits_each(pair, facilitator, parent, mailoutbox):
    decided = services.support_requests_decide_together(
        requests=pair, acting_user=facilitator, decision="approve", amounts={K.CHILDCARE: 3000, K.TRAVEL: None}
    )
    assert [r.status for r in decided] == [S.APPROVED, S.APPROVED]
    childcare, travel = (SupportRequest.objects.get(pk=r.pk) for r in pair)
    assert childcare.approved_amount_pence == 3000  # changed
    assert travel.approved_amount_pence == 640  # blank: the expected cost
    assert childcare.decided_by == facilitator and travel.decided_by == facilitator
    events = AuditEvent.objects.filter(action="support_request.decided").order_by("pk")
    assert sorted(int(e.object_id) for e in events) == sorted(r.pk for r in pair)
    # Nothing else is recorded for the pair: each decision is audited as a single one is.
    assert not AuditEvent.objects.filter(action__startswith="support_requests.decided").exists()


def test_decline_all_needs_one_reason_and_gives_it_to_each(pair, facilitator):
    with pytest.raises(ValidationError) as refused:
        services.support_requests_decide_together(requests=pair, acting_user=facilitator, decision="decline")
    assert "reason" in refused.value.error_dict
    assert statuses(pair) == [S.PENDING, S.PENDING]
    services.support_requests_decide_together(
        requests=pair, acting_user=facilitator, decision="decline", reason="The budget for March is spent."
    )
    rows = [SupportRequest.objects.get(pk=r.pk) for r in pair]
    assert [r.status for r in rows] == [S.DECLINED, S.DECLINED]
    assert {r.decision_reason for r in rows} == {"The budget for March is spent."}
    assert all(r.approved_amount_pence is None for r in rows)


def test_all_or_nothing_when_one_is_already_decided(pair, facilitator):
    childcare, travel = pair
    services.support_request_decide(request=travel, approve=True, acting_user=facilitator)
    with pytest.raises(ValidationError) as refused:
        services.support_requests_decide_together(
            requests=pair, acting_user=facilitator, decision="decline", reason="No budget."
        )
    assert refused.value.code == "support_already_decided"
    assert statuses(pair) == [S.PENDING, S.APPROVED]  # the childcare one was rolled back with the refusal
    assert AuditEvent.objects.filter(action="support_request.decided").count() == 1


def test_a_second_decide_is_refused_with_a_code(pair, facilitator):
    services.support_requests_decide_together(requests=pair, acting_user=facilitator, decision="approve")
    with pytest.raises(ValidationError) as refused:
        services.support_requests_decide_together(requests=pair, acting_user=facilitator, decision="approve")
    assert refused.value.code == "support_already_decided"
    assert AuditEvent.objects.filter(action="support_request.decided").count() == 2


def test_a_bad_amount_refuses_all_and_names_the_kind(pair, facilitator):
    with pytest.raises(ValidationError) as refused:
        services.support_requests_decide_together(
            requests=pair, acting_user=facilitator, decision="approve", amounts={K.TRAVEL: -5}
        )
    assert "amount_travel" in refused.value.error_dict
    assert statuses(pair) == [S.PENDING, S.PENDING]


@pytest.mark.parametrize("decision", ["", "maybe", None])
def test_an_unknown_decision_is_refused(pair, facilitator, decision):
    with pytest.raises(ValidationError) as refused:
        services.support_requests_decide_together(requests=pair, acting_user=facilitator, decision=decision)
    assert refused.value.error_dict["decision"][0].code == "decision_invalid"


def test_only_one_persons_requests_for_one_session(pair, session, facilitator, professional):
    services.rsvp_answer(session=session, user=professional, answer=Answer.YES)
    other = services.support_request_create(session=session, user=professional, kind=K.INTERPRETER, language="Polish")
    with pytest.raises(ValidationError) as refused:
        services.support_requests_decide_together(requests=[*pair, other], acting_user=facilitator, decision="approve")
    assert refused.value.code == "support_together_mixed"
    with pytest.raises(ValidationError) as refused:
        services.support_requests_decide_together(requests=[], acting_user=facilitator, decision="approve")
    assert refused.value.code == "support_none_to_decide"
    assert statuses([*pair, other]) == [S.PENDING] * 3


def test_someone_who_does_not_manage_the_group_decides_nothing(pair, professional, parent):
    for person in (professional, parent):
        with pytest.raises(ValidationError) as refused:
            services.support_requests_decide_together(requests=pair, acting_user=person, decision="approve")
        assert refused.value.code == "not_allowed"
    assert statuses(pair) == [S.PENDING, S.PENDING]


# --- the queue and the view ----------------------------------------------------------------------------------


def test_the_queue_offers_one_form_for_a_person_with_two_requests(client, pair, session, facilitator, parent):
    client.force_login(facilitator)
    page = client.get(reverse("sessions_app:support_queue")).content.decode()
    assert "Decide all of Pat Parent&#x27;s requests" in page or "Decide all of Pat Parent's requests" in page
    assert f'action="{url(session, parent)}"' in page
    prefix = f"person-{session.pk}-{parent.pk}"
    assert f'name="{prefix}-amount_childcare"' in page and f'name="{prefix}-amount_travel"' in page
    assert re.search(rf'name="{prefix}-amount_childcare"[^>]*value="24.00"', page)
    # Each request can still be decided on its own.
    for item in pair:
        assert reverse("sessions_app:support_decide", args=[item.pk]) in page


def test_no_together_form_for_a_single_request(client, session, facilitator, parent):
    services.support_request_create(session=session, user=parent, kind=K.INTERPRETER, language="Polish")
    client.force_login(facilitator)
    page = client.get(reverse("sessions_app:support_queue")).content.decode()
    assert "Decide all of" not in page


def test_approve_all_through_the_page(client, pair, session, facilitator, parent, mailoutbox):
    client.force_login(facilitator)
    response = post(client, session, parent, pair, decision="approve", amount_childcare="30", amount_travel="")
    assert response.status_code == 302 and response["Location"] == reverse("sessions_app:support_queue")
    rows = [SupportRequest.objects.get(pk=r.pk) for r in pair]
    assert [r.status for r in rows] == [S.APPROVED, S.APPROVED]
    assert [r.approved_amount_pence for r in rows] == [3000, 640]
    page = client.get(reverse("sessions_app:support_queue")).content.decode()
    assert "Approved: childcare and travel for Pat Parent. They have been told." in page.replace("&#x27;", "'")


def test_decline_all_without_a_reason_shows_the_error_and_changes_nothing(client, pair, session, facilitator, parent):
    client.force_login(facilitator)
    response = post(client, session, parent, pair, decision="decline", reason="  ")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give a reason when you decline" in page
    assert "<title>Error:" in page
    assert statuses(pair) == [S.PENDING, S.PENDING]


def test_a_double_submit_is_refused_in_words_not_a_500(client, pair, session, facilitator, parent):
    client.force_login(facilitator)
    first = post(client, session, parent, pair, decision="decline", reason="No budget left.")
    assert first.status_code == 302
    second = post(client, session, parent, pair, decision="approve")
    assert second.status_code == 200
    assert "already been decided" in second.content.decode()
    assert statuses(pair) == [S.DECLINED, S.DECLINED]
    assert AuditEvent.objects.filter(action="support_request.decided").count() == 2


def test_a_request_asked_after_the_page_was_shown_is_not_decided_unseen(client, pair, session, facilitator, parent):
    client.force_login(facilitator)
    later = services.support_request_create(session=session, user=parent, kind=K.INTERPRETER, language="Polish")
    response = post(client, session, parent, pair, decision="approve")
    assert response.status_code == 302
    assert statuses([*pair, later]) == [S.APPROVED, S.APPROVED, S.PENDING]


@pytest.mark.parametrize("ids", ["", "abc", "1,,x", "9" * 40])
def test_a_tampered_list_of_requests_is_a_clear_message(client, pair, session, facilitator, parent, ids):
    client.force_login(facilitator)
    prefix = f"person-{session.pk}-{parent.pk}"
    response = client.post(url(session, parent), {f"{prefix}-request_ids": ids, f"{prefix}-decision": "approve"})
    assert response.status_code == 200
    assert statuses(pair) == [S.PENDING, S.PENDING]


def test_another_persons_request_ids_decide_nothing(client, pair, session, facilitator, professional, parent):
    services.rsvp_answer(session=session, user=professional, answer=Answer.YES)
    client.force_login(facilitator)
    response = post(client, session, professional, pair, decision="approve")
    assert response.status_code == 200
    assert "already been decided" in response.content.decode()
    assert statuses(pair) == [S.PENDING, S.PENDING]


def test_the_page_lists_what_was_asked(client, pair, session, facilitator, parent):
    client.force_login(facilitator)
    page = client.get(url(session, parent)).content.decode()
    assert "Decide all of Pat Parent" in page
    assert "3 and 5" in page and "Bus or train" in page and "£6.40" in page


def test_a_missing_person_is_404(client, session, facilitator):
    client.force_login(facilitator)
    assert client.get(reverse("sessions_app:support_decide_together", args=[session.pk, 999999])).status_code == 404
