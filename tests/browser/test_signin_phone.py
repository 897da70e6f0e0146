"""A parent signs in on a 390 px phone with an emailed 6-digit code: every sign-in page is in plain English, fits
the screen and passes axe-core; the code field brings up the number keyboard and accepts the code as the phone
offers it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_fits_phone, axe_check, login_code_from

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}


def check(page, *, title: str) -> None:
    expect(page).to_have_title(f"{title} – coprod")
    expect(page.get_by_text("This field is required.")).to_have_count(0)
    assert_fits_phone(page)
    axe_check(page)


def test_a_parent_signs_in_with_a_6_digit_code_on_a_phone(browser, site, mailoutbox, parent):
    context = browser.new_context(viewport=PHONE_390)
    page = context.new_page()

    # the sign-in page
    page.goto(f"{site}/accounts/login/")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="Forgotten your password?")).to_have_count(1)
    check(page, title="Sign in")

    # asking for a code with nothing typed says what is missing, next to the field and in the summary
    page.get_by_role("link", name="Email me a sign-in code").click()
    expect(page.get_by_role("heading", level=1, name="Get a sign-in code")).to_be_visible()
    check(page, title="Get a sign-in code")
    page.get_by_role("button", name="Email me a code").click()
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary.get_by_role("link", name=re.compile("Enter your email address"))).to_be_visible()
    check(page, title="Error: Get a sign-in code")

    # then with the address
    page.get_by_label("Email address").fill(parent.email)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", level=1, name="Enter your sign-in code")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"We have emailed a sign-in code to {parent.email}.")
    check(page, title="Enter your sign-in code")

    # the email: short, names coprod and how long the code works, a 6-digit code
    email = mailoutbox[-1]
    assert email.to == [parent.email]
    assert "Hello from" not in email.body
    assert "It works for 15 minutes." in email.body
    code = login_code_from(email.body)
    assert re.fullmatch(r"\d{6}", code)

    # the code field asks for the number keyboard and lets the phone offer the code
    field = page.get_by_label("Sign-in code")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")

    # a wrong code is explained in plain English
    field.fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right.")
    check(page, title="Error: Enter your sign-in code")

    # the right code, typed with a space as people read it out, signs the parent in
    page.get_by_label("Sign-in code").fill(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_role("heading", level=1, name=f"Hello, {parent.full_name}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You are signed in.")

    # two-step sign-in is not offered to a parent
    page.goto(f"{site}/accounts/2fa/")
    expect(page.get_by_role("heading", level=1, name="Two-step sign-in")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Set up two-step sign-in"))).to_have_count(0)
    check(page, title="Two-step sign-in")
    context.close()


def test_the_forgotten_password_pages_on_a_phone(browser, site, mailoutbox, parent):
    context = browser.new_context(viewport=PHONE_390)
    page = context.new_page()

    page.goto(f"{site}/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1, name="Reset your password")).to_be_visible()
    check(page, title="Reset your password")

    page.get_by_label("Email address").fill(parent.email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1, name="Check your email")).to_be_visible()
    check(page, title="Check your email")
    assert mailoutbox[-1].subject == "coprod: Reset your password"
    context.close()
