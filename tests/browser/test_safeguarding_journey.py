"""A safeguarding concern and a safety plan, end to end in real Chromium against the live server (issue 13,
"Done when").

The world: the Mothers' group's session "Planning the summer fun day" is happening now (it started half an hour
ago); Fran leads it, Pat the parent is a member; Sam is the organisation's safeguarding lead (two-step sign-in).

1. Fran, at the door on a 390 px phone, follows "Worried about someone? Raise a safeguarding concern" from the
   check-in screen, says what happened and when, ticks Pat, answers that nobody is in danger right now and sends
   it: the receipt says it was received and that Sam will handle it.
2. Sam signs in with the password and the code from the app (the real code page: this is the step-up), opens the
   organisation's concerns, the concern, triages it (medium, owned by Sam), records a referral to children's
   social care with its reference, and reads the record's access trail: Sam's own "Viewed" lines are there.
3. Pat, on her phone, writes her safety plan and shares it with the Mothers' group; Femi, a facilitator of the
   group, reads it; Pat reloads her plan's page and sees Femi's name under "Who has read my plan".
4. In the database: one concern, referred, with its chronology; the access trail of Sam's readings; Femi's
   reading of the plan.

axe-core checks every page on the way; every page Fran and Pat see fits a phone."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from core.models import AccessEvent
from safeguarding.models import ChronologyEntry, Concern, ConcernPerson, EntryKind, ReferralAgency, SafetyPlan
from sessions_app import services as session_services
from sessions_app.models import Answer
from tests.browser.conftest import assert_fits_phone, axe_check, new_page, sign_in_with_password, totp_code
from tests.sessions_app.factories import plan_session

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WHAT = "Pat's toddler had a large bruise on his arm and flinched when an adult came near."
WHEN = "Today, at the start of the session"
REFERENCE = "MASH-2026-0412"
HELPS = "A short walk outside and a cup of tea."


@pytest.fixture
def happening_now(group_with_members, facilitator, facilitator2, venue, parent, safeguarding_lead):
    """The group's session, planned yesterday, that started half an hour ago; Pat said she would come."""
    now = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(now - timedelta(days=1), tick=False):
        session = plan_session(
            group_with_members, facilitator, facilitator2, starts_at=now - timedelta(minutes=30), venue=venue
        )
        session_services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    return session


def on_phone(page) -> None:
    assert_fits_phone(page)
    axe_check(page)


def trail_of(obj) -> list[tuple[int | None, str]]:
    return list(
        AccessEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("at", "pk")
        .values_list("actor_id", "kind")
    )


def test_a_concern_raised_at_the_door_is_triaged_and_referred_and_a_shared_plan_shows_its_reader(
    page, browser, site, happening_now, organisation, facilitator, facilitator2, parent, safeguarding_lead
):
    session = happening_now

    # --- 1. Fran, at the door, on her phone -------------------------------------------------------------------
    page.set_viewport_size(PHONE)
    sign_in_with_password(page, site, facilitator.email)
    expect(page).to_have_url(f"{site}/")
    page.goto(site + reverse("sessions_app:checkin_screen", args=[session.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check-in")
    on_phone(page)

    page.get_by_role("link", name="Worried about someone? Raise a safeguarding concern").click()
    expect(page.get_by_role("heading", level=1, name="Raise a safeguarding concern")).to_be_visible()
    expect(page.get_by_text(f"About the session: {session.title}")).to_be_visible()
    on_phone(page)
    page.get_by_label("What happened?").fill(WHAT)
    page.get_by_label("When did it happen?").fill(WHEN)
    page.get_by_role("group", name="Who is involved?").get_by_label(parent.display_name, exact=True).check()
    page.get_by_role("group", name="Is anyone in danger right now?").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Send the concern").click()

    expect(page.get_by_role("heading", level=1, name="Thank you. Your concern was received.")).to_be_visible()
    expect(page.get_by_text(f"It will be handled by {safeguarding_lead.display_name}.")).to_be_visible()
    expect(page).to_have_url(site + reverse("safeguarding:raise") + "?received=1")  # no concern number in it
    on_phone(page)
    concern = Concern.objects.get()
    assert (concern.status, concern.raised_by, concern.session_id) == (Concern.Status.NEW, facilitator, session.pk)

    # --- 2. Sam, the safeguarding lead, at a desk --------------------------------------------------------------
    context, sam = new_page(browser, DESKTOP)
    try:
        sign_in_with_password(sam, site, safeguarding_lead.email)
        expect(sam.get_by_role("heading", level=1, name="Enter the code from your app")).to_be_visible()
        axe_check(sam)
        sam.locator("input[name='code']").fill(totp_code())
        sam.get_by_role("button", name="Sign in").click()
        expect(sam).to_have_url(f"{site}/")
        axe_check(sam)

        sam.get_by_role("navigation", name="Main").get_by_role("link", name="Safeguarding concerns").click()
        expect(sam.get_by_role("heading", level=1, name="Safeguarding concerns")).to_be_visible()
        axe_check(sam)
        rows = sam.get_by_role("table").locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("New")
        expect(rows.first).to_contain_text(facilitator.display_name)

        rows.first.get_by_role("link").click()
        heading = re.compile(r"^Safeguarding concern raised ")
        expect(sam.get_by_role("heading", level=1, name=heading)).to_be_visible()
        expect(sam.get_by_text(WHAT)).to_be_visible()
        axe_check(sam)

        # Triage: medium, owned by Sam (offered already).
        sam.get_by_role("link", name="Triage", exact=True).click()
        expect(sam.get_by_role("heading", level=1, name="Triage the concern")).to_be_visible()
        axe_check(sam)
        sam.get_by_role("group", name="How serious is it?").get_by_label("Medium", exact=True).check()
        expect(sam.get_by_label("Who owns it?")).to_have_value(str(safeguarding_lead.pk))
        sam.get_by_role("button", name="Save the triage").click()
        expect(sam.get_by_text("The concern was triaged.")).to_be_visible()
        expect(sam.get_by_role("heading", level=1, name=heading)).to_be_visible()
        axe_check(sam)

        # The referral, with the reference social care gave.
        sam.get_by_role("link", name="Record a referral").click()
        expect(sam.get_by_role("heading", level=1, name="Record a referral")).to_be_visible()
        axe_check(sam)
        sam.get_by_role("group", name="Who was it referred to?").get_by_label("Children's social care").check()
        sam.get_by_label("Their reference (optional)").fill(REFERENCE)
        sam.get_by_role("button", name="Save the referral").click()
        expect(sam.get_by_text("The referral was recorded.")).to_be_visible()
        record = sam.locator("dl").first
        expect(record).to_contain_text("Referred")
        expect(record).to_contain_text("Medium")
        expect(record).to_contain_text(f"Children's social care, reference {REFERENCE}")
        chronology = sam.locator("#chronology + ol")
        expect(chronology).to_contain_text("Concern raised")
        expect(chronology).to_contain_text("Triaged")
        expect(chronology).to_contain_text(f"Referred to Children's social care. Reference: {REFERENCE}.")
        axe_check(sam)

        # The access trail on the record's page: Sam's own readings are there.
        expect(sam.get_by_role("heading", level=2, name="Who has looked at this record")).to_be_visible()
        trail = sam.get_by_role("table", name=re.compile(r"^Every opening of this record"))
        views = trail.get_by_role("row").filter(has_text=safeguarding_lead.display_name).filter(has_text="Viewed")
        expect(views.first).to_be_visible()
        assert views.count() >= 3  # the concern's page opened from the list, after the triage, after the referral
    finally:
        context.close()

    # --- 3. Pat, on her phone: her safety plan, shared with the group -----------------------------------------
    context, pat = new_page(browser, PHONE)
    try:
        sign_in_with_password(pat, site, parent.email)
        expect(pat).to_have_url(f"{site}/")
        on_phone(pat)
        pat.get_by_role("link", name="Your safety plan", exact=True).click()
        expect(pat.get_by_role("heading", level=1, name="My safety plan")).to_be_visible()
        on_phone(pat)
        pat.get_by_label("What helps me").fill(HELPS)
        pat.get_by_label("Signs that I'm struggling").fill("I go quiet and look at my phone.")
        pat.get_by_role("button", name="Save my plan").click()
        expect(pat.get_by_text("Your safety plan is saved.")).to_be_visible()
        expect(pat.get_by_text("Not shared with anyone.")).to_be_visible()
        expect(pat.get_by_text("Nobody has read your plan yet.")).to_be_visible()
        on_phone(pat)

        pat.get_by_role("link", name="Choose who can read my plan").click()
        expect(pat.get_by_role("heading", level=1, name="Who can read my safety plan")).to_be_visible()
        on_phone(pat)
        pat.get_by_label(session.group.name).check()
        pat.get_by_role("button", name="Save my choices").click()
        expect(pat.get_by_text("Your choices are saved.")).to_be_visible()
        on_phone(pat)

        # Femi, a facilitator of the group, reads it.
        plan = SafetyPlan.objects.get(person=parent)
        femi = Client()
        femi.force_login(facilitator2)
        read = femi.get(reverse("safeguarding:plan", args=[plan.pk]))
        assert read.status_code == 200
        assert HELPS in read.content.decode()

        pat.get_by_role("link", name="Back to my safety plan").click()
        expect(pat.get_by_role("heading", level=1, name="My safety plan")).to_be_visible()
        expect(pat.get_by_text(f"Shared now with the facilitators of: {session.group.name}.")).to_be_visible()
        readers = pat.get_by_role("table", name="Who has read my plan")
        expect(readers.get_by_role("row")).to_have_count(2)  # the header and Femi
        expect(readers).to_contain_text(facilitator2.display_name)
        on_phone(pat)
    finally:
        context.close()

    # --- 4. What was kept -------------------------------------------------------------------------------------
    concern = Concern.objects.get()
    assert Concern.objects.count() == 1
    assert (concern.status, concern.severity, concern.owner) == (Concern.Status.REFERRED, "medium", safeguarding_lead)
    assert (concern.referral_agency, concern.referral_reference) == (ReferralAgency.SOCIAL_CARE, REFERENCE)
    assert (concern.what_happened, concern.when_happened, concern.immediate_risk) == (WHAT, WHEN, False)
    assert list(ConcernPerson.objects.filter(concern=concern).values_list("person_id", flat=True)) == [parent.pk]
    entries = list(
        ChronologyEntry.objects.filter(concern=concern).order_by("recorded_at", "pk").values_list("kind", "recorded_by")
    )
    assert entries == [
        (EntryKind.RAISED, facilitator.pk),
        (EntryKind.TRIAGED, safeguarding_lead.pk),
        (EntryKind.REFERRED, safeguarding_lead.pk),
    ]
    concern_trail = trail_of(concern)
    assert (safeguarding_lead.pk, AccessEvent.Kind.VIEW) in concern_trail
    assert {actor for actor, _ in concern_trail} == {safeguarding_lead.pk}  # nobody else opened it
    assert trail_of(plan) == [(facilitator2.pk, AccessEvent.Kind.VIEW)]
