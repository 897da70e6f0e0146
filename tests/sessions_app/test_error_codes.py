"""Every refusal of a sessions_app service carries a code, so tests and callers check the code, not the words.
One case per distinct refusal, one line each (hence the long lines)."""

# ruff: noqa: E501, F811  (a table of one-line cases; `w`, the scene fixture from test_audit, is each case's argument)

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from groups import services as group_services
from groups.models import Membership
from sessions_app import services
from sessions_app.models import Answer, SupportRequest
from tests.sessions_app.test_audit import DURING, START, clock, w  # noqa: F401  (the same scene as the audit tests)

AFTER = START + timedelta(hours=5)  # closed: three hours after the end


def _yes(w):
    services.rsvp_answer(session=w.session, user=w.parent, answer=Answer.YES)


def _ask(w, **details):
    _yes(w)
    return services.support_request_create(
        session=w.session, user=w.parent, kind=details.pop("kind", "interpreter"), language="Polish", **details
    )


def _at(w, moment):
    w.clock.move_to(moment)


def _stranger(w):
    return group_services.user_create(
        email="stranger@example.test", full_name="Sam Stranger", password="a-long-test-password", verified=True
    )


def _follow_up(w):
    _at(w, DURING)
    services.checkin_record(session=w.session, person=w.parent, acting_user=w.facilitator)
    services.checkout_record(session=w.session, person=w.parent, acting_user=w.parent, wants_to_talk=True)
    return w.session.follow_ups.get()


def _create(w, **overrides):
    values = {
        "group": w.group,
        "acting_user": w.facilitator,
        "title": "Coffee morning",
        "purpose": "Meet each other",
        "starts_at": START + timedelta(days=1),
        "ends_at": START + timedelta(days=1, hours=1),
        "format": "in_person",
        "venue": w.venue,
    }
    values.update(overrides)
    return services.session_create(**values)


def _other_venue(w):
    from groups.models import Organisation

    elsewhere = Organisation.objects.create(name="Hillside", slug="hillside-codes")
    return services.venue_create(organisation=elsewhere, acting_user=w.org_admin, name="Library", address="2 Hill St")


def _quorum_group(w):
    group_services.group_update(group=w.group, acting_user=w.org_admin, parent_quorum=1)


def _decision(w):
    return services.decision_record(
        session=w.session, proposal="Meet monthly", outcome="Agreed", acting_user=w.facilitator
    )


def _other_group_meeting(w):
    other = group_services.group_create(
        organisation=w.organisation, name="Dads' group", kind="coproduction", purpose="Dads", acting_user=w.facilitator
    )
    group_services.membership_add(
        group=other, user=w.facilitator2, role=Membership.Role.FACILITATOR, acting_user=w.facilitator
    )
    [meeting] = _create(w, group=other, lead=w.facilitator, supports=[w.facilitator2])
    return meeting


CASES = [
    # scheduling
    ("glossary incomplete", lambda w: services.glossary_term_save(group=w.group, abbreviation="SEND", meaning=" ", acting_user=w.facilitator), None, "glossary_term_incomplete"),
    ("series too long", lambda w: _create(w, repeat_weeks=53), "repeat_weeks", "series_length"),
    ("venue elsewhere", lambda w: _create(w, venue=_other_venue(w)), "venue", "venue_of_another_organisation"),
    ("lead not a group facilitator", lambda w: _create(w, lead=w.parent), "lead", "not_group_facilitator"),
    ("lead is the support", lambda w: _create(w, lead=w.facilitator, supports=[w.facilitator]), "supports", "lead_is_support"),
    ("break outside the session", lambda w: _create(w, breaks=[services.BreakPlan(START - timedelta(hours=3), 10)]), "breaks", "break_outside"),
    ("update a cancelled session", lambda w: services.session_cancel(session=w.session, reason="Flood", acting_user=w.facilitator) and services.session_update(session=w.session, acting_user=w.facilitator, capacity=3), None, "session_cancelled"),
    ("published without a support", lambda w: services.session_update(session=w.session, acting_user=w.facilitator, lead=w.facilitator, supports=[]), "supports", "needs_two_facilitators"),
    ("publish without a support", lambda w: services.facilitator_withdraw(session=w.draft, user=w.facilitator2, acting_user=w.facilitator2) and services.session_publish(session=w.draft, acting_user=w.facilitator), None, "needs_two_facilitators"),
    ("publish a cancelled session", lambda w: services.session_cancel(session=w.draft, reason="Flood", acting_user=w.facilitator) and services.session_publish(session=w.draft, acting_user=w.facilitator), None, "session_cancelled"),
    ("publish after the start", lambda w: _at(w, START + timedelta(days=7, minutes=1)) or services.session_publish(session=w.draft, acting_user=w.facilitator), None, "session_started"),
    ("cancel without a reason", lambda w: services.session_cancel(session=w.session, reason="  ", acting_user=w.facilitator), "reason", "reason_required"),
    ("cancel after the end", lambda w: _at(w, AFTER) or services.session_cancel(session=w.session, reason="Late", acting_user=w.facilitator), None, "session_ended"),
    ("withdraw when not facilitating", lambda w: services.facilitator_withdraw(session=w.session, user=w.org_admin, acting_user=w.org_admin), None, "not_facilitating"),
    ("join when not a group facilitator", lambda w: services.facilitator_join(session=w.session, user=w.parent, role="support", acting_user=w.parent), None, "not_group_facilitator"),
    ("join twice", lambda w: services.facilitator_join(session=w.session, user=w.facilitator2, role="support", acting_user=w.facilitator2), None, "already_facilitating"),
    ("a second lead", lambda w: services.facilitator_withdraw(session=w.session, user=w.facilitator2, acting_user=w.facilitator2) and services.facilitator_join(session=w.session, user=w.facilitator2, role="lead", acting_user=w.facilitator2), None, "lead_taken"),
    # answers
    ("unknown answer", lambda w: services.rsvp_answer(session=w.session, user=w.parent, answer="perhaps"), None, "unknown_answer"),
    ("answer a draft", lambda w: services.rsvp_answer(session=w.draft, user=w.parent, answer=Answer.YES), None, "session_not_published"),
    ("answer a cancelled session", lambda w: services.session_cancel(session=w.session, reason="Flood", acting_user=w.facilitator) and services.rsvp_answer(session=w.session, user=w.parent, answer=Answer.YES), None, "session_cancelled"),
    ("answer after the start", lambda w: _at(w, DURING) or services.rsvp_answer(session=w.session, user=w.parent, answer=Answer.YES), None, "session_started"),
    ("answer when not a member", lambda w: services.rsvp_answer(session=w.session, user=_stranger(w), answer=Answer.YES), None, "not_a_member"),
    # support
    ("support without a yes", lambda w: services.support_request_create(session=w.session, user=w.parent, kind="interpreter", language="Polish"), None, "needs_yes"),
    ("support after the start", lambda w: _yes(w) or _at(w, DURING) or services.support_request_create(session=w.session, user=w.parent, kind="interpreter", language="Polish"), None, "session_started"),
    ("childcare without children", lambda w: _yes(w) or services.support_request_create(session=w.session, user=w.parent, kind=SupportRequest.Kind.CHILDCARE), "children_count", "children_count_required"),
    ("support asked twice", lambda w: _ask(w) and _ask(w), None, "support_already_asked"),
    ("decide without the right", lambda w: services.support_request_decide(request=_ask(w), approve=True, acting_user=w.parent), None, "not_allowed"),
    ("decide twice", lambda w: (lambda r: services.support_request_decide(request=r, approve=True, acting_user=w.facilitator) and services.support_request_decide(request=r, approve=True, acting_user=w.facilitator))(_ask(w)), None, "support_already_decided"),
    ("decline without a reason", lambda w: services.support_request_decide(request=_ask(w), approve=False, acting_user=w.facilitator), "reason", "reason_required"),
    ("a negative amount", lambda w: services.support_request_decide(request=_ask(w), approve=True, amount_pence=-1, acting_user=w.facilitator), "amount_pence", "amount_negative"),
    ("withdraw someone else's request", lambda w: services.support_request_withdraw(request=_ask(w), acting_user=w.facilitator), None, "not_your_request"),
    # on the day
    ("check in to a draft", lambda w: services.checkin_record(session=w.draft, person=w.parent, acting_user=w.facilitator), None, "checkin_not_published"),
    ("check in too early", lambda w: services.checkin_record(session=w.session, person=w.parent, acting_user=w.facilitator), None, "checkin_not_open_yet"),
    ("check in too late", lambda w: _at(w, AFTER) or services.checkin_record(session=w.session, person=w.parent, acting_user=w.facilitator), None, "checkin_closed"),
    ("check in after the register closed", lambda w: _at(w, DURING) or services.session_attendance_close(session=w.session, acting_user=w.facilitator) and services.checkin_record(session=w.session.__class__.objects.get(pk=w.session.pk), person=w.parent, acting_user=w.facilitator), None, "attendance_closed"),
    ("check someone else in without the right", lambda w: _at(w, DURING) or services.checkin_record(session=w.session, person=w.facilitator, acting_user=w.parent), None, "not_allowed"),
    ("check in someone not in the group", lambda w: _at(w, DURING) or services.checkin_record(session=w.session, person=_stranger(w), acting_user=w.facilitator), None, "not_a_member"),
    ("an unknown feeling", lambda w: _at(w, DURING) or services.checkin_record(session=w.session, person=w.parent, acting_user=w.parent, feeling=9), "feeling", "unknown_feeling"),
    ("check out someone else without the right", lambda w: _at(w, DURING) or services.checkout_record(session=w.session, person=w.facilitator, acting_user=w.parent), None, "not_allowed"),
    ("check out before checking in", lambda w: _at(w, DURING) or services.checkout_record(session=w.session, person=w.parent, acting_user=w.parent), None, "not_checked_in"),
    ("close a follow-up without a note", lambda w: services.follow_up_close(follow_up=_follow_up(w), note=" ", acting_user=w.facilitator), "note", "note_required"),
    ("close a follow-up twice", lambda w: (lambda f: services.follow_up_close(follow_up=f, note="Called", acting_user=w.facilitator) and services.follow_up_close(follow_up=f, note="Again", acting_user=w.facilitator))(_follow_up(w)), None, "follow_up_already_closed"),
    ("close the register without the right", lambda w: _at(w, DURING) or services.session_attendance_close(session=w.session, acting_user=w.parent), None, "not_allowed"),
    ("close the register of a draft", lambda w: services.session_attendance_close(session=w.draft, acting_user=w.facilitator), None, "session_not_published"),
    ("close the register before the start", lambda w: services.session_attendance_close(session=w.session, acting_user=w.facilitator), None, "session_not_started"),
    # outcomes
    ("debrief before the start", lambda w: services.debrief_record(session=w.session, acting_user=w.facilitator, went_well="a", was_hard="b", to_change="c"), None, "session_not_started"),
    ("an action for someone outside the group", lambda w: services.action_record(session=w.session, description="Book", owner=_stranger(w), due_on=None, acting_user=w.facilitator), "owner", "owner_not_a_member"),
    ("an unknown action status", lambda w: services.action_set_status(action=services.action_record(session=w.session, description="Book", owner=w.parent, due_on=None, acting_user=w.facilitator), status="lost", acting_user=w.parent), None, "unknown_status"),
    ("confirm at another group's meeting", lambda w: services.decision_confirm(decision=_decision(w), at_session=_other_group_meeting(w), acting_user=w.facilitator), None, "another_group"),
    ("confirm at an inquorate meeting", lambda w: _quorum_group(w) or services.decision_confirm(decision=_decision(w), at_session=w.session, acting_user=w.facilitator), None, "not_quorate"),
]  # fmt: skip


@pytest.mark.parametrize("name, call, field, code", CASES, ids=[case[0] for case in CASES])
def test_each_refusal_has_its_code(w, name, call, field, code):
    with pytest.raises(ValidationError) as exc:
        call(w)

    error = exc.value
    if field is None:
        assert not hasattr(error, "error_dict"), error
        assert {e.code for e in error.error_list} == {code}
    else:
        assert [e.code for e in error.error_dict[field]] == [code]


def test_a_refusal_is_not_in_the_trail(w):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.rsvp_answer(session=w.draft, user=w.parent, answer=Answer.YES)
    assert AuditEvent.objects.count() == before
