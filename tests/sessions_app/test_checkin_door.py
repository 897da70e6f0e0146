"""The check-in screen for a busy door (issue 11, item 5): a second tap never checks anyone out, a mistaken
check-in can be undone for a short while (audited, and not a check-out), check-out is its own end-of-session
page, and a name filter finds one person among many, with or without JavaScript.

Time is pinned with time-machine: data is made on Wednesday 20 February 2030; the session meets on Friday
1 March 2030, 10am to midday in London (GMT, so also UTC).
"""

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEvent
from groups import services as group_services
from groups.models import Membership
from sessions_app import services
from sessions_app.models import Answer, CheckIn, FollowUp, Session
from sessions_app.services.attendance import CHECKIN_UNDO_WITHIN, checkin_undo

LONDON = ZoneInfo("Europe/London")
BEFORE = datetime(2030, 2, 20, 12, 0, tzinfo=UTC)
START = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)
END = START + timedelta(hours=2)
DURING = START + timedelta(minutes=2)  # 10:02am
AFTER = END + timedelta(minutes=30)


def text_of(response):
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    text = re.sub(r"\s+", " ", html.unescape(without_tags)).strip()
    return re.sub(r" ([,.;:])", r"\1", text)


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def pinned_now():
    with at(BEFORE):
        yield


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, parent):
    """Published, led by `facilitator` with `facilitator2` supporting; the parent said yes."""
    [s] = services.session_create(
        group=group_with_members,
        acting_user=facilitator,
        title="Planning the summer fun day",
        purpose="Decide together what families need on the day.",
        starts_at=START,
        ends_at=END,
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.test/summer",
        lead=facilitator,
        supports=[facilitator2],
    )
    s = services.session_publish(session=s, acting_user=facilitator)
    services.rsvp_answer(session=s, user=parent, answer=Answer.YES)
    return s


def screen(session):
    return reverse("sessions_app:checkin_screen", args=[session.pk])


def checkout_screen(session):
    return reverse("sessions_app:checkout_screen", args=[session.pk])


def tap_check_in(client, session, person, **data):
    return client.post(
        screen(session),
        {"action": "checkin", "person": person.pk, **{f"in-{person.pk}-{k}": v for k, v in data.items()}},
    )


def tap_undo(client, session, person):
    return client.post(reverse("sessions_app:checkin_undo", args=[session.pk]), {"person": person.pk})


def add_parents(make_user, group, facilitator, names):
    people = []
    for name in names:
        person = make_user(full_name=name)
        group_services.membership_add(group=group, user=person, role=Membership.Role.PARENT, acting_user=facilitator)
        people.append(person)
    return people


# --- the service -------------------------------------------------------------------------------------------


def test_checking_in_twice_keeps_the_first_time_and_is_not_a_toggle(session, facilitator, parent):
    with at(DURING):
        first = services.checkin_record(session=session, person=parent, acting_user=facilitator)
    with at(DURING + timedelta(seconds=1)):
        again = services.checkin_record(session=session, person=parent, acting_user=facilitator)
    assert again.pk == first.pk and again.checked_in_at == first.checked_in_at
    assert again.checked_out_at is None
    assert AuditEvent.objects.filter(action="checkin.recorded").count() == 1


def test_undo_within_the_time_removes_the_check_in_and_is_audited(session, facilitator, parent):
    # given
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)

    # when: undone just inside the time allowed
    with at(DURING + CHECKIN_UNDO_WITHIN):
        undone = checkin_undo(session=session, person=parent, acting_user=facilitator)

    # then: as if the tap never happened, and not a check-out
    assert undone is True
    assert not CheckIn.objects.filter(session=session, user=parent).exists()
    assert not FollowUp.objects.exists()
    event = AuditEvent.objects.get(action="checkin.undone")
    assert event.actor_id == facilitator.pk
    assert event.data["person_id"] == parent.pk and event.data["session_id"] == session.pk
    assert not AuditEvent.objects.filter(action="checkout.recorded").exists()


def test_undoing_twice_changes_nothing_the_second_time(session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
        assert checkin_undo(session=session, person=parent, acting_user=facilitator) is True
        assert checkin_undo(session=session, person=parent, acting_user=facilitator) is False
    assert AuditEvent.objects.filter(action="checkin.undone").count() == 1


def test_undo_is_refused_once_the_time_has_passed(session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    with at(DURING + CHECKIN_UNDO_WITHIN + timedelta(seconds=1)), pytest.raises(ValidationError) as refused:
        checkin_undo(session=session, person=parent, acting_user=facilitator)
    assert refused.value.code == "undo_too_late"
    assert CheckIn.objects.filter(session=session, user=parent).exists()


def test_undo_is_refused_after_a_check_out(session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
        services.checkout_record(session=session, person=parent, acting_user=facilitator, feeling=4)
        with pytest.raises(ValidationError) as refused:
            checkin_undo(session=session, person=parent, acting_user=facilitator)
    assert refused.value.code == "undo_after_checkout"
    assert CheckIn.objects.get(session=session, user=parent).checked_out_at is not None


def test_only_a_facilitator_of_the_session_can_undo(session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=parent)
        with pytest.raises(ValidationError) as refused:
            checkin_undo(session=session, person=parent, acting_user=parent)
    assert refused.value.code == "not_allowed"
    assert CheckIn.objects.filter(session=session, user=parent).exists()


def test_undo_is_refused_once_the_register_is_closed(session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
        services.session_attendance_close(session=session, acting_user=facilitator)
        session.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            checkin_undo(session=session, person=parent, acting_user=facilitator)
    assert refused.value.code == "attendance_closed"


# --- the check-in screen ---------------------------------------------------------------------------------


def test_a_second_tap_on_check_in_does_not_check_the_person_out(client, session, facilitator, parent):
    client.force_login(facilitator)

    # when: the same spot is tapped twice
    with at(DURING):
        first = tap_check_in(client, session, parent, feeling=4)
    with at(DURING + timedelta(seconds=1)):
        second = tap_check_in(client, session, parent, feeling=4)

    # then: one check-in at the first time, nobody checked out
    assert first.status_code == 302 and second.status_code == 302
    checkin = CheckIn.objects.get(session=session, user=parent)
    assert checkin.checked_out_at is None
    assert checkin.checked_in_at == DURING


def test_the_card_collapses_to_the_time_and_undo_with_no_check_out(client, session, facilitator, parent):
    client.force_login(facilitator)
    with at(DURING):
        tap_check_in(client, session, parent)
        response = client.get(screen(session))
    page = text_of(response)
    content = response.content.decode()
    assert "Checked in 10:02am · Undo the check-in of Pat Parent" in page
    assert 'name="action" value="checkout"' not in content
    assert "feeling now?" not in page
    assert f'action="{reverse("sessions_app:checkin_undo", args=[session.pk])}"' in content


def test_undo_is_no_longer_offered_after_the_time(client, session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    client.force_login(facilitator)
    with at(DURING + CHECKIN_UNDO_WITHIN + timedelta(minutes=1)):
        page = text_of(client.get(screen(session)))
    assert "Checked in 10:02am" in page
    assert "Undo the check-in of" not in page


def test_undo_from_the_screen_offers_check_in_again(client, session, facilitator, parent):
    client.force_login(facilitator)
    with at(DURING):
        tap_check_in(client, session, parent)
        response = tap_undo(client, session, parent)
        page = text_of(client.get(screen(session)))
    assert response.status_code == 302 and response["Location"] == f"{screen(session)}#person-{parent.pk}"
    assert not CheckIn.objects.exists()
    assert "Pat Parent's check-in is undone. They are not checked in." in page
    assert "Check in Pat Parent" in page
    assert "Expected 1 Checked in 0 Checked out 0" in page


def test_undo_too_late_from_the_screen_is_a_clear_message(client, session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    client.force_login(facilitator)
    with at(DURING + timedelta(minutes=30)):
        response = tap_undo(client, session, parent)
        page = text_of(client.get(response["Location"]))
    assert "A check-in can only be undone in the 10 minutes after it was made." in page
    assert CheckIn.objects.filter(session=session, user=parent).exists()


@pytest.mark.parametrize("data", [{}, {"person": "someone"}, {"person": "99999999999999999999"}, {"person": "-1"}])
def test_tampered_undo_posts_are_refused_without_an_error_page(client, session, facilitator, parent, data):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    client.force_login(facilitator)
    with at(DURING):
        response = client.post(reverse("sessions_app:checkin_undo", args=[session.pk]), data)
    assert response.status_code == 400
    assert CheckIn.objects.filter(session=session, user=parent).exists()


def test_a_check_out_posted_to_the_check_in_screen_is_refused(client, session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    client.force_login(facilitator)
    with at(AFTER):
        response = client.post(
            screen(session), {"action": "checkout", "person": parent.pk, f"out-{parent.pk}-feeling": "3"}
        )
    assert response.status_code == 400
    assert CheckIn.objects.get(session=session, user=parent).checked_out_at is None


def test_the_name_filter_works_without_javascript(client, session, facilitator, make_user, group_with_members):
    # given: forty people in the group
    add_parents(make_user, group_with_members, facilitator, [f"Parent {i:02d}" for i in range(37)] + ["Zainab Okafor"])
    client.force_login(facilitator)

    # when: a search for part of a name, in any case
    with at(DURING):
        response = client.get(screen(session), {"q": "  okaf "})

    # then: only that person, and how many matched
    page = text_of(response)
    assert "Zainab Okafor" in page
    assert "Parent 01" not in page and "Pat Parent" not in page
    assert "1 of 40 people match “okaf”." in page
    assert "Expected 1 Checked in 0 Checked out 0" in page  # the numbers are for everyone
    assert 'value="okaf"' in response.content.decode()


def test_the_name_filter_says_when_nobody_matches(client, session, facilitator):
    client.force_login(facilitator)
    with at(DURING):
        page = text_of(client.get(screen(session), {"q": "<script>x</script>" * 20}))
    assert "Nobody expected matches" in page and "No other member matches" in page


def test_the_list_is_a_keyboard_scrollable_region_and_the_filter_script_is_loaded(client, session, facilitator):
    client.force_login(facilitator)
    with at(DURING):
        content = client.get(screen(session)).content.decode()
    assert re.search(r'<div id="checkin-list" role="region" aria-label="People to check in" tabindex="0"', content)
    assert 'data-checkin-filter="#checkin-list"' in content
    assert "js/checkin-filter.js" in content


# --- the check-out page ----------------------------------------------------------------------------------


def test_check_out_is_only_offered_once_the_session_has_started(client, session, facilitator, parent):
    with at(START - timedelta(minutes=30)):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    client.force_login(facilitator)

    with at(START - timedelta(minutes=20)):
        before = client.get(screen(session)).content.decode()
        out_page = text_of(client.get(checkout_screen(session)))
        refused = client.post(
            checkout_screen(session), {"action": "checkout", "person": parent.pk, f"out-{parent.pk}-feeling": "3"}
        )
    with at(DURING):
        during = client.get(screen(session)).content.decode()

    assert "Check people out" not in before and checkout_screen(session) not in before
    assert "You can check people out once the session has started, at 10am." in out_page
    assert "feeling now?" not in out_page
    assert refused.status_code == 302
    assert CheckIn.objects.get(session=session, user=parent).checked_out_at is None
    assert f'href="{checkout_screen(session)}">Check people out</a>' in during


def test_check_out_on_its_own_page_records_the_feeling_and_a_follow_up(client, session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    client.force_login(facilitator)

    with at(AFTER):
        page = text_of(client.get(checkout_screen(session)))
        response = client.post(
            checkout_screen(session),
            {
                "action": "checkout",
                "person": parent.pk,
                f"out-{parent.pk}-feeling": "2",
                f"out-{parent.pk}-wants_to_talk": "on",
            },
        )
        after = text_of(client.get(checkout_screen(session)))

    assert "How is Pat Parent feeling now? (optional)" in page and "Still here 1 Checked out 0" in page
    assert response.status_code == 302
    assert response["Location"] == f"{checkout_screen(session)}#person-{parent.pk}"
    checkin = CheckIn.objects.get(session=session, user=parent)
    assert checkin.checkout_feeling == 2 and checkin.wants_to_talk
    assert FollowUp.objects.filter(session=session, person=parent).exists()
    assert "Checked out 12:30pm, feeling low. Would like to talk afterwards." in after
    assert "Still here 0 Checked out 1" in after


def test_the_check_out_page_lists_only_people_who_checked_in(client, session, facilitator, parent, professional):
    with at(DURING):
        services.checkin_record(session=session, person=professional, acting_user=facilitator)
    client.force_login(facilitator)
    with at(AFTER):
        page = text_of(client.get(checkout_screen(session)))
    assert "Prue Professional" in page and "Pat Parent" not in page


def test_a_bad_feeling_on_the_check_out_page_keeps_the_form_with_an_error(client, session, facilitator, parent):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    client.force_login(facilitator)
    with at(AFTER):
        response = client.post(
            checkout_screen(session), {"action": "checkout", "person": parent.pk, f"out-{parent.pk}-feeling": "9"}
        )
    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert "Choose how they feel from the five words." in text_of(response)
    assert CheckIn.objects.get(session=session, user=parent).checked_out_at is None


@pytest.mark.parametrize(
    "data",
    [{"action": "checkin", "person": "1"}, {"action": "checkout", "person": "x"}, {"action": "checkout"}],
)
def test_tampered_check_out_posts_are_refused_without_an_error_page(client, session, facilitator, parent, data):
    with at(DURING):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    client.force_login(facilitator)
    with at(AFTER):
        response = client.post(checkout_screen(session), data)
    assert response.status_code == 400
    assert CheckIn.objects.get(session=session, user=parent).checked_out_at is None
