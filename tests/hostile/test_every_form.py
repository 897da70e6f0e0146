"""Every form in the app fed hostile input (hypothesis): huge text, NUL and other control characters, emoji,
right-to-left marks, exponent and negative numbers, far dates, SQL- and template-looking text, blanks. Posted
through the test client as the person the form is for, the answer is never a server error, and either the form
is shown again with its error summary and no row anywhere has changed, or what was saved is a complete, valid
record.

To cover a new form, add a row to PAGES: the URL's name, who posts, the URL's arguments, an ordinary valid post
and which of its fields to spoil."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.db import transaction
from django.forms import BaseForm
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups.models import Group, Membership, StaffRole
from sessions_app import services
from sessions_app.models import Action, Answer, FollowUp

from .conftest import builder_data, changed_tables, row_counts

# --- hostile values ----------------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\r\n",
    "\x1b[31mred",
    "\u202eevil\u202c",
    "\u200b\u200d\ufeff",
    "\u2028line",
    "😀" * 3,
    "٣",
    "1e26",
    "-1e26",
    "NaN",
    "Infinity",
    "-1",
    "0",
    "99999999999999999999999999",
    "1.005",
    "0x10",
    "0001-01-01",
    "1900-01-01",
    "9999-12-31",
    "31/12/9999",
    "25:61",
    "' OR 1=1 --",
    "Robert'); DROP TABLE sessions_app_session;--",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% debug %}",
    "%00",
    "../../etc/passwd",
    "javascript:alert(1)",
]

HOSTILE = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),  # any Unicode, control characters included
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(lambda d: d.isoformat()),
    st.builds(
        lambda piece, n: piece * n,
        st.sampled_from(["x", "😀", "\u202e", "a\n", "\x00", "11:00 for 15 minutes\n"]),
        st.integers(min_value=200, max_value=250_000),
    ),
)

OUR_APPS = {"core", "notifications", "groups", "sessions_app", "payments", "safeguarding"}


# --- the forms ---------------------------------------------------------------------------------------------


@dataclass
class FormPage:
    name: str  # URL name
    who: str  # attribute of the world: the person who posts
    args: Callable  # world -> URL arguments
    data: Callable  # world -> an ordinary, valid post
    fields: list[str]  # which fields to spoil
    summary: bool = True  # a refusal shows the error summary ("There is a problem")
    prefix: Callable = lambda w: ""  # noqa: E731 - world -> the prefix of the form's field names on its page


def _session_builder(w, **more):
    data = builder_data(w.venue, w.facilitator, [w.facilitator2])
    data.update(more)
    return data


SESSION_FIELDS = [
    "title",
    "purpose",
    "date",
    "start_time",
    "end_time",
    "format",
    "venue",
    "joining_link",
    "capacity",
    "content_note",
    "preparation_days",
    "lead",
    "agenda",
    "breaks",
    "repeat_weeks",
]

PAGES = [
    # groups/urls.py
    FormPage(
        "groups:create",
        "facilitator",
        lambda w: [],
        lambda w: {
            "organisation": w.organisation.pk,
            "name": "Fathers' group",
            "kind": Group.Kind.COPRODUCTION,
            "purpose": "Fathers shaping services.",
            "parent_quorum": "",
            "agreement_text": "",
        },
        ["organisation", "name", "kind", "purpose", "parent_quorum", "agreement_text"],
    ),
    FormPage(
        "groups:edit",
        "facilitator",
        lambda w: [w.group.pk],
        lambda w: {"name": "Mothers' group", "kind": Group.Kind.COPRODUCTION, "purpose": "Mums.", "parent_quorum": 3},
        ["name", "kind", "purpose", "parent_quorum"],
    ),
    FormPage(
        "groups:agreement_edit",
        "facilitator",
        lambda w: [w.group.pk],
        lambda w: {"text": "We listen.\nWe keep what is said here."},
        ["text"],
    ),
    FormPage(
        "groups:invite",
        "facilitator",
        lambda w: [w.group.pk],
        lambda w: {"email": "new.member@example.test", "full_name": "New Member", "role": Membership.Role.PARENT},
        ["email", "full_name", "role"],
    ),
    FormPage(
        "groups:agreement",
        "parent",
        lambda w: [w.group.pk],
        lambda w: {"version": w.group.agreement_versions.order_by("-pk").first().pk, "agree": "on"},
        ["version", "agree"],
    ),
    FormPage(
        "profile",
        "parent",
        lambda w: [],
        lambda w: {
            "full_name": "Pat Parent",
            "preferred_name": "Pat",
            "name_pronunciation": "",
            "pronouns": "they/them",
            "phone": "",
            "contact_preference": "email",
            "preferred_language": "English",
            "access_needs": "Large print, please.",
        },
        ["full_name", "preferred_name", "name_pronunciation", "pronouns", "phone", "access_needs"],
    ),
    # groups/urls_admin.py
    FormPage(
        "orgadmin:staff_invite",
        "org_admin",
        lambda w: [w.organisation.pk],
        lambda w: {"email": "new.staff@example.test", "full_name": "New Staff", "role": StaffRole.Role.FACILITATOR},
        ["email", "full_name", "role"],
    ),
    FormPage(
        "orgadmin:staff_edit",
        "org_admin",
        lambda w: [w.organisation.pk, w.facilitator2.pk],
        lambda w: {"roles": [StaffRole.Role.FACILITATOR]},
        ["roles"],
    ),
    # sessions_app/urls.py: scheduling
    FormPage("sessions_app:create", "facilitator", lambda w: [w.group.pk], _session_builder, SESSION_FIELDS),
    FormPage(
        "sessions_app:edit",
        "facilitator",
        lambda w: [w.draft.pk],
        lambda w: _session_builder(w, repeat_weeks=""),
        SESSION_FIELDS[:-1],
    ),
    FormPage(
        "sessions_app:glossary",
        "facilitator",
        lambda w: [w.group.pk],
        lambda w: {"abbreviation": "EHCP", "meaning": "Education, Health and Care Plan", "next": ""},
        ["abbreviation", "meaning", "next"],
    ),
    FormPage(
        "sessions_app:cancel", "facilitator", lambda w: [w.spare.pk], lambda w: {"reason": "Flooded."}, ["reason"]
    ),
    FormPage(
        "sessions_app:preparation_add",
        "facilitator",
        lambda w: [w.upcoming.pk],
        lambda w: {"title": "Questions to think about", "text": "What would help most?"},
        ["title", "text"],
    ),
    FormPage(
        "sessions_app:withdraw", "facilitator2", lambda w: [w.spare.pk], lambda w: {"reason": "Unwell."}, ["reason"]
    ),
    FormPage("sessions_app:step_in", "facilitator2", lambda w: [w.draft.pk], lambda w: {"role": "support"}, ["role"]),
    FormPage(
        "sessions_app:venues",
        "org_admin",
        lambda w: [],
        lambda w: {"name": "Town Library", "address": "1 Church Street\nBayside", "access_notes": "Lift at the back."},
        ["name", "address", "access_notes", "step_free"],
    ),
    # sessions_app/urls.py: members
    FormPage(
        "sessions_app:answer",
        "parent",
        lambda w: [w.upcoming.pk],
        lambda w: {"answer": Answer.YES, "next": ""},
        ["answer", "next"],
        summary=False,
    ),
    FormPage(
        "sessions_app:support_request",
        "parent",
        lambda w: [w.upcoming.pk],
        lambda w: {"kind": "interpreter", "language": "Polish"},
        [
            "kind",
            "children_count",
            "children_ages",
            "travel_mode",
            "expected_cost",
            "language",
            "access_details",
            "one_to_one_details",
        ],
    ),
    FormPage(
        "sessions_app:self_checkin",
        "parent",
        lambda w: [w.running.pk],
        lambda w: {"feeling": "4"},
        ["feeling", "wants_to_talk"],
    ),
    # sessions_app/urls.py: running
    FormPage(
        "sessions_app:checkin_screen",
        "facilitator",
        lambda w: [w.running.pk],
        lambda w: {"action": "checkin", "person": w.facilitator2.pk, f"in-{w.facilitator2.pk}-feeling": "3"},
        ["action", "person", "close_register"],
        summary=False,
    ),
    FormPage(
        "sessions_app:checkout_screen",
        "facilitator",
        lambda w: [w.running.pk],
        lambda w: {
            "action": "checkout",
            "person": w.professional.pk,
            f"out-{w.professional.pk}-feeling": "3",
            f"out-{w.professional.pk}-wants_to_talk": "on",
        },
        ["action", "person"],
        summary=False,
    ),
    FormPage(
        "sessions_app:checkin_undo",
        "facilitator",
        lambda w: [w.running.pk],
        lambda w: {"person": w.professional.pk},
        ["person"],
        summary=False,
    ),
    FormPage(
        "sessions_app:debrief",
        "facilitator",
        lambda w: [w.running.pk],
        lambda w: {"went_well": "Lots of ideas.", "was_hard": "The room was cold.", "to_change": "Book the hall."},
        ["went_well", "was_hard", "to_change"],
    ),
    FormPage(
        "sessions_app:record",
        "facilitator",
        lambda w: [w.running.pk],
        lambda w: {"form": "decision", "decision-proposal": "A fun day in July.", "decision-outcome": "Agreed."},
        ["form", "decision-proposal", "decision-outcome"],
        summary=False,
    ),
    FormPage(
        "sessions_app:record",
        "facilitator",
        lambda w: [w.running.pk],
        lambda w: {
            "form": "action",
            "action-description": "Book the hall.",
            "action-owner": w.parent.pk,
            "action-due_on": (timezone.localdate() + timedelta(days=14)).isoformat(),
        },
        ["action-description", "action-owner", "action-due_on"],
    ),
    FormPage(
        "sessions_app:record",
        "facilitator",
        lambda w: [w.running.pk],
        lambda w: {"form": "win", "win-description": "Letters are easier to read."},
        ["win-description"],
    ),
    FormPage(
        "sessions_app:support_decide",
        "facilitator",
        lambda w: [w.support_request.pk],
        lambda w: {"decision": "approve", "amount": "4.50", "reason": ""},
        ["decision", "amount", "reason"],
        prefix=lambda w: f"req-{w.support_request.pk}-",
    ),
    FormPage(
        "sessions_app:follow_up_close",
        "facilitator",
        lambda w: [w.follow_up.pk],
        lambda w: {"note": "We spoke on the phone."},
        ["note"],
    ),
    FormPage(
        "sessions_app:action_status",
        "facilitator",
        lambda w: [w.action.pk],
        lambda w: {"status": Action.Status.DONE, "next": ""},
        ["status", "next"],
        summary=False,
        prefix=lambda w: f"a{w.action.pk}-",
    ),
    # sessions_app/urls.py: organisation administration
    FormPage(
        "sessions_app:venue_edit",
        "org_admin",
        lambda w: [w.organisation.pk, w.venue.pk],
        lambda w: {"name": "Bayside Family Hub", "address": "12 Harbour Road", "access_notes": ""},
        ["name", "address", "access_notes", "parking"],
    ),
    FormPage(
        "sessions_app:reminder_settings",
        "org_admin",
        lambda w: [w.organisation.pk],
        lambda w: {
            "chaser_days_before": "5",
            "first_reminder_days_before": "2",
            "last_reminder_hours_before": "3",
            "quiet_from": "21:00",
            "quiet_until": "08:00",
        },
        ["chaser_days_before", "first_reminder_days_before", "last_reminder_hours_before", "quiet_from", "quiet_until"],
    ),
    # safeguarding/views/*: the world's safeguarding part (_safeguarding_world) is built only for these rows
    FormPage(
        "safeguarding:raise",
        "parent",
        lambda w: [],
        lambda w: {
            "what_happened": "A child at the session had a bruise and flinched when an adult came near.",
            "when_happened": "Yesterday afternoon",
            "people": [w.professional.pk],
            "people_description": "A toddler at the session",
            "immediate_risk": "no",
        },
        ["what_happened", "when_happened", "people", "people_description", "immediate_risk"],
    ),
    FormPage(
        "safeguarding:my_plan",
        "parent",
        lambda w: [],
        lambda w: {
            "upsets_me": "Loud arguments.",
            "signs": "I go quiet.",
            "helps": "A short walk outside.",
            "contacts": "My sister Jo on 07700 900123.",
            "wishes": "Check in with me quietly at the break.",
        },
        ["upsets_me", "signs", "helps", "contacts", "wishes"],
    ),
    FormPage(
        "safeguarding:consent_record",
        "facilitator",
        lambda w: [w.organisation.pk, w.parent.pk],
        lambda w: {"kind": "photos", "given": "yes", "how": "in_person"},
        ["kind", "given", "how"],
    ),
    FormPage(
        "safeguarding:triage",
        "safeguarding_lead",
        lambda w: [w.concern.pk],
        lambda w: {"severity": "medium", "owner": w.safeguarding_lead.pk},
        ["severity", "owner"],
    ),
    FormPage(
        "safeguarding:refer",
        "safeguarding_lead",
        lambda w: [w.concern.pk],
        lambda w: {"agency": "social_care", "reference": "MASH-2026-0412"},
        ["agency", "reference"],
    ),
    FormPage(
        "safeguarding:close",
        "safeguarding_lead",
        lambda w: [w.concern.pk],
        lambda w: {"outcome": "Social care visited; the family has support in place."},
        ["outcome"],
    ),
    FormPage(
        "safeguarding:entry_add",
        "safeguarding_lead",
        lambda w: [w.concern.pk],
        lambda w: {"kind": "note", "happened_on": timezone.localdate().isoformat(), "text": "Phoned the family."},
        ["kind", "happened_on", "text"],
    ),
    # payments/views/*: the world's payments part (_payments_world) is built only for these rows
    FormPage(
        "payments:policy",
        "org_admin",
        lambda w: [w.organisation.pk],
        lambda w: {
            "hourly_rate_pence": "25.00",
            "half_day_hours": "4",
            "half_day_pence": "75.00",
            "full_day_pence": "150.00",
            "time_basis": "scheduled",
            "late_grace_minutes": "15",
            "pays_preparation": "on",
            "methods": ["bank", "voucher", "cash", "none"],
            "charity_name": "",
            "mileage_pence_per_mile": "45",
            "target_working_days": "2",
            "benefits_weekly_pence": "195.00",
            "benefits_yearly_pence": "1000.00",
        },
        [
            "hourly_rate_pence",
            "half_day_hours",
            "half_day_pence",
            "full_day_pence",
            "time_basis",
            "late_grace_minutes",
            "methods",
            "charity_name",
            "mileage_pence_per_mile",
            "target_working_days",
            "benefits_weekly_pence",
            "benefits_yearly_pence",
        ],
    ),
    FormPage(
        "payments:claim_confirm",
        "parent",
        lambda w: [w.claim.pk],
        lambda w: {"method": "voucher", "take_less": ""},
        ["method", "take_less", "benefits_acknowledged", "benefits_shown"],
    ),
    FormPage(
        "payments:line_travel",
        "parent",
        lambda w: [w.claim.pk, w.travel_line.pk],
        lambda w: {"basis": "receipt", "amount": "3.80", "miles": ""},
        ["basis", "amount", "miles"],
    ),
    FormPage(
        "payments:line_reply",
        "parent",
        lambda w: [w.claim.pk, w.refused_line.pk],
        lambda w: {"text": "The nursery gave me no receipt; I can ask them for a letter."},
        ["text"],
    ),
    FormPage(
        "payments:bank_details",
        "parent",
        lambda w: [],
        lambda w: {"account_name": "Pat Parent", "sort_code": "12-34-56", "account_number": "12345678"},
        ["account_name", "sort_code", "account_number"],
    ),
    FormPage(
        "payments:line_reject",
        "finance_officer",
        lambda w: [w.submitted_claim.pk, w.submitted_line.pk],
        lambda w: {"reason": "There is no ticket. Send a photo of it, please."},
        ["reason"],
    ),
    FormPage(
        "payments:line_amount",
        "finance_officer",
        lambda w: [w.submitted_claim.pk, w.submitted_line.pk],
        lambda w: {"amount": "40.00", "reason": "Left an hour early."},
        ["amount", "reason"],
    ),
    FormPage(
        "payments:run_paid",
        "finance_officer",
        lambda w: [w.open_run.pk],
        lambda w: {"reference": "BACS-2026-11-30", "confirmed": "on"},
        ["reference", "confirmed"],
    ),
    FormPage(
        "payments:payment_reverse",
        "finance_officer",
        lambda w: [w.payment.pk],
        lambda w: {"reason": "The bank sent it back: the account is closed."},
        ["reason"],
    ),
]


def _page_id(page: FormPage) -> str:
    return page.name.replace(":", "-") + ("" if page.name != "sessions_app:record" else "-" + page.fields[0])


# --- the world the forms work on ---------------------------------------------------------------------------


@pytest.fixture
def world(
    organisation,
    org_admin,
    facilitator,
    facilitator2,
    parent,
    professional,
    group_with_members,
    venue,
    make_session,
    request,
):
    """A group with an upcoming published session (the parent said yes and asked for travel), a draft, a spare
    session to cancel or step back from, and a session running now (everyone checked in; an action and a
    follow-up from it)."""
    from groups import services as group_services

    group_services.agreement_publish(group=group_with_members, text="We listen.", acting_user=facilitator)
    upcoming = make_session()
    services.rsvp_answer(session=upcoming, user=parent, answer=Answer.YES)
    support_request = services.support_request_create(
        session=upcoming, user=parent, kind="travel", travel_mode="public", expected_cost_pence=450
    )
    draft = make_session(publish=False, support=False)
    spare = make_session()
    now = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(now - timedelta(days=1), tick=False):
        running = make_session(starts_at=now - timedelta(minutes=30))
        services.rsvp_answer(session=running, user=parent, answer=Answer.YES)
    # the professional came and went, and would like to talk; the parent has not checked in yet
    services.checkin_record(session=running, person=professional, acting_user=facilitator)
    services.checkout_record(session=running, person=professional, acting_user=facilitator, wants_to_talk=True)
    action = services.action_record(
        session=running, description="Book the hall.", owner=professional, due_on=None, acting_user=facilitator
    )
    world = SimpleNamespace(
        organisation=organisation,
        org_admin=org_admin,
        facilitator=facilitator,
        facilitator2=facilitator2,
        parent=parent,
        professional=professional,
        group=group_with_members,
        venue=venue,
        upcoming=upcoming,
        draft=draft,
        spare=spare,
        running=running,
        support_request=support_request,
        follow_up=FollowUp.objects.get(session=running),
        action=action,
    )
    page = getattr(getattr(request.node, "callspec", None), "params", {}).get("page")
    if page is not None and page.name.startswith("safeguarding:"):
        _safeguarding_world(world, request)
    if page is not None and page.name.startswith("payments:"):
        _payments_world(world, request)
    return world


def _safeguarding_world(w, request) -> None:
    """For the safeguarding rows only: Sam the safeguarding lead, signed in on the test's client with a recent
    second step (the test's own force_login keeps it: same person), and a new concern Fran raised about Pat."""
    from safeguarding.services.concerns import concern_raise
    from tests.conftest import give_recent_second_step

    w.safeguarding_lead = lead = request.getfixturevalue("safeguarding_lead")
    give_recent_second_step(request.getfixturevalue("client"), lead)
    w.concern = concern_raise(
        organisation=w.organisation,
        acting_user=w.facilitator,
        what_happened="Pat's toddler had a bruise on his arm.",
        when_happened="Today",
        immediate_risk=False,
        people=[w.parent],
    )


def _payments_world(w, request) -> None:
    """For the payments rows only (the other rows do not pay for it): a finance officer, and claims for a session
    held yesterday (Fran closed the register; Femi confirmed who came): Pat's, waiting for her to check (a travel
    line, and a childcare line refused with a reason); Priya's, submitted; Rae's, approved in an open run; Sam's,
    paid in a paid run."""
    from payments.models import ClaimLine, ClaimState, LineKind, LineStatus, Payment
    from payments.services.runs import run_create, run_mark_paid
    from tests.payments.factories import claim_at, held_session, make_claim, policy_for

    make_user = request.getfixturevalue("make_user")
    w.finance_officer = officer = request.getfixturevalue("finance_officer")
    policy_for(w.organisation)
    held = held_session(w.group, w.facilitator, w.facilitator2, attendees={w.parent: (0, 120)})

    w.claim = make_claim(held, w.parent, travel_pence=450, childcare_pence=2000)
    w.travel_line = w.claim.lines.get(kind=LineKind.TRAVEL)
    w.refused_line = w.claim.lines.get(kind=LineKind.CHILDCARE)
    ClaimLine.objects.filter(pk=w.refused_line.pk).update(
        status=LineStatus.REJECTED, rejection_reason="There is no receipt from the nursery."
    )

    def claim_of(name: str, state: str):
        person = make_user(email=f"{name.lower()}@example.test", full_name=f"{name} Parent")
        approver = officer if state == ClaimState.APPROVED else None
        return claim_at(make_claim(held, person), state, attendance_by=w.facilitator2, approved_by=approver)

    w.submitted_claim = claim_of("Priya", ClaimState.SUBMITTED)
    w.submitted_line = w.submitted_claim.lines.get(kind=LineKind.PARTICIPATION)
    paid = claim_of("Sam", ClaimState.APPROVED)
    run_mark_paid(run=run_create(organisation=w.organisation, acting_user=officer), acting_user=officer, reference="B1")
    w.payment = Payment.objects.get(claim=paid)
    claim_of("Rae", ClaimState.APPROVED)
    w.open_run = run_create(organisation=w.organisation, acting_user=officer)


# --- checks ------------------------------------------------------------------------------------------------


def saved_rows_are_whole(before: dict[str, int]) -> None:
    """Every row added or changed since `before` is valid as a whole: each new row of each table that grew
    passes its model's full_clean, and no text in it holds NUL."""
    for label, (was, now) in changed_tables(before, row_counts()).items():
        if now <= was:
            continue
        model = apps.get_model(label)
        for row in model.objects.order_by("-pk")[: now - was]:
            for f in model._meta.concrete_fields:
                value = getattr(row, f.attname)
                assert not (isinstance(value, str) and "\x00" in value), (label, f.name)
            if label in {"core.auditevent", "notifications.message"}:
                continue  # written by the services themselves, append-only
            protected = [f.name for f in model._meta.concrete_fields if getattr(f, "protected", False)]  # django-fsm
            row.full_clean(exclude=protected, validate_unique=False, validate_constraints=False)


def posted(world, page: FormPage, values: dict) -> dict:
    """The form's values as its page posts them: with the form's prefix, except on `next` and `form`."""
    prefix = page.prefix(world)
    return {(name if name in ("next", "form") else prefix + name): value for name, value in values.items()}


def post_and_check(client, world, page: FormPage, spoiled: dict) -> None:
    """Each example starts from the same world: what it saved is rolled back once it has been checked."""
    with transaction.atomic():
        _post_and_check(client, world, page, spoiled)
        transaction.set_rollback(True)


def _post_and_check(client, world, page: FormPage, spoiled: dict) -> None:
    client.force_login(getattr(world, page.who))
    data = posted(world, page, {**page.data(world), **spoiled})
    before = row_counts()

    response = client.post(reverse(page.name, args=page.args(world)), data)  # raises on a server error

    # 404: a hidden reference tampered with (an agreement version that is not there) is not found
    assert response.status_code in (200, 302, 400, 404), response.status_code
    if response.status_code == 302:
        saved_rows_are_whole(before)
    else:
        assert changed_tables(before, row_counts()) == {}
        if page.summary and response.status_code == 200 and refused_forms(response):
            assert "There is a problem" in response.content.decode()


def refused_forms(response) -> list:
    """The forms the page was shown again with, holding errors."""
    found = []
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, BaseForm) and value.is_bound and value.errors and value not in found:
                found.append(value)
    return found


def _problem(response) -> str:
    """The error summary of a page shown again, for a failing test's message."""
    page = response.content.decode()
    start = page.find("There is a problem")
    return f"{response.status_code}: " + (page[start : start + 1500] if start >= 0 else page[:300])


HYPOTHESIS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_the_ordinary_post_works(client, world, page):
    """The baseline: without spoiling anything, each form saves (so a refusal below is the hostile value's)."""
    client.force_login(getattr(world, page.who))
    response = client.post(reverse(page.name, args=page.args(world)), posted(world, page, page.data(world)))

    assert response.status_code == 302, _problem(response)


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
@HYPOTHESIS
@given(data=st.data())
def test_hostile_input_is_refused_kindly_or_saved_whole(client, world, page, data):
    spoiled = data.draw(
        st.dictionaries(keys=st.sampled_from(page.fields), values=HOSTILE, min_size=1, max_size=3), label="spoiled"
    )

    post_and_check(client, world, page, spoiled)
