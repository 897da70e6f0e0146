"""A facilitator invites a new parent; the parent joins, signs in with an emailed code and agrees to how the
group works together. Real Chromium against the live server; axe-core checks every page on the way."""

import re

import pytest
from playwright.sync_api import expect

from groups.models import Invitation, Membership
from tests.browser.conftest import (
    PHONE,
    assert_fits_phone,
    axe_check,
    first_link,
    login_code_from,
    sign_in_with_password,
)

pytestmark = pytest.mark.browser

NEW_EMAIL = "nadia.new@example.test"
NEW_NAME = "Nadia Newparent"


def test_facilitator_invites_a_parent_who_joins_signs_in_by_code_and_agrees(
    page, site, mailoutbox, group_with_members, facilitator
):
    group = group_with_members

    # 1. The facilitator signs in with a password and invites a new parent.
    sign_in_with_password(page, site, facilitator.email)
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Hello, "))).to_be_visible()
    axe_check(page)

    your_groups = page.get_by_role("region", name="Your groups")
    your_groups.get_by_role("link", name=group.name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=group.name)).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Invite someone", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=f"Invite someone to {group.name}")).to_be_visible()
    axe_check(page)

    email_input = page.get_by_label("Their email address")
    email_input.fill("not-an-email")
    page.get_by_label("Their name (optional)").fill(NEW_NAME)
    page.get_by_role("button", name="Send the invitation").click()
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("Enter an email address"))).to_be_visible()
    expect(email_input).to_have_value("not-an-email")
    expect(email_input).to_have_attribute("aria-invalid", "true")
    expect(email_input).to_have_accessible_description(re.compile("Enter an email address like name@example.org"))
    expect(page.get_by_label("Their name (optional)")).to_have_value(NEW_NAME)
    axe_check(page)
    assert mailoutbox == []

    email_input.fill(NEW_EMAIL)
    expect(page.get_by_role("radio", name="Parent or carer with lived experience")).to_be_checked()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("heading", level=1, name=f"Members of {group.name}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {NEW_EMAIL}.")
    invitations = page.get_by_role("region", name="Invitations waiting for an answer")
    expect(invitations).to_contain_text(f"{NEW_NAME} ({NEW_EMAIL})")
    expect(invitations.get_by_role("button", name=f"Cancel invitation for {NEW_EMAIL}")).to_be_visible()
    axe_check(page)

    assert len(mailoutbox) == 1
    invitation_email = mailoutbox[0]
    assert invitation_email.to == [NEW_EMAIL]
    link = first_link(invitation_email.body)
    assert link.startswith(f"{site}/invitations/")

    # 2. The facilitator signs out; the new parent follows the link, joins and signs in with a code.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    axe_check(page)

    page.goto(link)
    expect(page.get_by_role("heading", level=1, name=f"Join {group.name}")).to_be_visible()
    axe_check(page)
    full_name = page.get_by_label("Your full name")
    expect(full_name).to_have_value(NEW_NAME)  # the name the facilitator typed is offered
    full_name.fill(NEW_NAME)
    page.get_by_role("button", name="Join the group").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to {group.name}")
    axe_check(page)
    page.get_by_label("Email").fill(NEW_EMAIL)
    page.get_by_role("button", name=re.compile("code", re.IGNORECASE)).click()

    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))
    axe_check(page)
    assert len(mailoutbox) == 2
    code_email = mailoutbox[-1]
    assert code_email.to == [NEW_EMAIL]
    page.get_by_label("Code").fill(login_code_from(code_email.body))
    page.get_by_role("button", name="Confirm").click()

    # 3. Signed in: home asks the parent to read the agreement; they agree and home stops asking.
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_role("heading", level=1, name=f"Hello, {NEW_NAME}")).to_be_visible()
    attention = page.get_by_role("region", name="Needs your attention")
    expect(attention).to_contain_text(group.name)
    axe_check(page)

    attention.get_by_role("link", name=f"Read the agreement for {group.name}").click()
    expect(page.get_by_role("heading", level=1, name="How we work together")).to_be_visible()
    axe_check(page)
    page.get_by_role("checkbox", name=re.compile(r"^I have read this agreement")).check()
    page.get_by_role("button", name="Save my answer").click()

    expect(page.get_by_role("heading", level=1, name=group.name)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You have agreed to how the group works together")
    expect(page.get_by_role("region", name="How we work together")).to_contain_text("You have agreed to version 1")
    axe_check(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=1, name=f"Hello, {NEW_NAME}")).to_be_visible()
    expect(page.get_by_role("region", name="Needs your attention")).to_have_count(0)
    expect(page.get_by_role("region", name="Your groups").get_by_role("link", name=group.name)).to_be_visible()
    axe_check(page)

    membership = Membership.objects.get(group=group, user__email=NEW_EMAIL)
    assert membership.role == Membership.Role.PARENT
    assert membership.user.full_name == NEW_NAME
    assert Invitation.objects.get(group=group, email=NEW_EMAIL).accepted_by == membership.user


def test_parent_on_a_phone_reads_and_agrees_without_sideways_scrolling(page, site, group_with_members, parent):
    group = group_with_members
    page.set_viewport_size(PHONE)

    sign_in_with_password(page, site, parent.email)
    expect(page).to_have_url(f"{site}/")
    assert_fits_phone(page)

    toggle = page.get_by_role("button", name="Show or hide the menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Your details")).to_be_hidden()
    attention = page.get_by_role("region", name="Needs your attention")
    expect(attention).to_contain_text(group.name)
    axe_check(page)

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Your details")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    assert_fits_phone(page)
    axe_check(page)

    attention.get_by_role("link", name=f"Read the agreement for {group.name}").click()
    expect(page.get_by_role("heading", level=1, name="How we work together")).to_be_visible()
    expect(page.get_by_role("button", name="Show or hide the menu")).to_be_visible()
    assert_fits_phone(page)
    axe_check(page)

    page.get_by_role("button", name="Save my answer").click()  # forgot the tick box
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Tick the box to say you have read the agreement.")
    assert_fits_phone(page)
    axe_check(page)

    page.get_by_role("checkbox", name=re.compile(r"^I have read this agreement")).check()
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_role("heading", level=1, name=group.name)).to_be_visible()
    assert_fits_phone(page)
    axe_check(page)
