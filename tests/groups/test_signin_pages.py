"""Signing in, in coprod's words: allauth's pages, messages and emails overridden (templates/account,
templates/mfa, groups/allauth_forms.py, groups/adapters.py). Sentence case, a message per field, one
"Forgotten your password?" link, a 6-digit code a phone can fill in, an email that names coprod and says how long
the code works, and two-step sign-in offered to staff, not to parents. Also: SITE_URL follows PORT."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from groups.adapters import minutes_in_words, two_step_offered
from tests.conftest import PASSWORD, give_two_step
from tests.hostile.test_every_form import NASTY

LOGIN = reverse("account_login")
REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
RESET = reverse("account_reset_password")
MFA_INDEX = reverse("mfa_index")
MFA_AUTHENTICATE = reverse("mfa_authenticate")
ACTIVATE_TOTP = reverse("mfa_activate_totp")
GENERIC = (
    "This field is required.",
    "Hello from",
    "Sign In",
    "Remember Me",
    "Password Reset",
    "Two-Factor",
    "Forgot your",
)


@pytest.fixture(autouse=True)
def fresh_cache():
    """allauth's rate limits count in the cache: each test starts with none used."""
    cache.clear()


class _Page(HTMLParser):
    """The parts of a page these tests read: title, headings, and each input's attributes."""

    def __init__(self):
        super().__init__()
        self.title = ""
        self.headings: list[str] = []
        self.inputs: dict[str, dict] = {}
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("title", "h1", "h2", "h3"):
            self._in = tag
            if tag != "title":
                self.headings.append("")
        if tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in:
            self.headings[-1] += data


def parse(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    page.title = " ".join(page.title.split())
    page.headings = [" ".join(h.split()) for h in page.headings]
    return page


def assert_plain_english(response) -> _Page:
    """No allauth wording left, and every heading in sentence case (only its first word starts with a capital,
    apart from "I")."""
    assert response.status_code == 200
    text = response.content.decode()
    for phrase in GENERIC:
        assert phrase not in text, phrase
    page = parse(response)
    for heading in page.headings:
        later_words = heading.split()[1:]
        capitalised = [w for w in later_words if w[:1].isupper() and w != "I"]
        assert not capitalised, f"heading not in sentence case: {heading!r}"
    return page


def code_from(body: str) -> str:
    return re.search(r"^\s*(\d{6})\s*$", body, re.MULTILINE).group(1)


def test_sign_in_page_speaks_plain_english_with_one_forgotten_password_link(client):
    page = assert_plain_english(client.get(LOGIN))

    assert page.title == "Sign in – coprod"
    assert page.headings[0] == "Sign in"
    text = client.get(LOGIN).content.decode()
    assert text.count("Forgotten your password?") == 1
    assert page.inputs["login"]["autocomplete"] == "email"
    assert page.inputs["password"]["autocomplete"] == "current-password"


def test_sign_in_with_nothing_typed_says_what_is_missing_per_field(client):
    response = client.post(LOGIN, {"login": "", "password": ""})

    page = assert_plain_english(response)
    text = response.content.decode()
    assert page.title == "Error: Sign in – coprod"
    assert "Enter your email address" in text
    assert "Enter your password" in text


def test_a_wrong_password_is_explained_without_jargon(client, parent):
    response = client.post(LOGIN, {"login": parent.email, "password": "not-the-password"})

    assert_plain_english(response)
    assert "The email address or password is not right. Check them and try again." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_badly_formed_email_address_gets_an_example(client):
    response = client.post(REQUEST_CODE, {"email": "pat at example"})

    assert_plain_english(response)
    assert "Enter an email address in the correct format, like name@example.com" in response.content.decode()


def test_request_code_page_with_nothing_typed(client):
    page = assert_plain_english(client.get(REQUEST_CODE))
    assert page.title == "Get a sign-in code – coprod"

    response = client.post(REQUEST_CODE, {"email": ""})
    assert parse(response).title == "Error: Get a sign-in code – coprod"
    assert "Enter your email address" in response.content.decode()


def test_the_sign_in_code_is_6_digits_in_a_short_email_that_names_coprod_and_its_lifetime(client, parent, mailoutbox):
    # when
    response = client.post(REQUEST_CODE, {"email": parent.email})

    # then: the email
    assert response.status_code == 302
    assert response["Location"] == CONFIRM_CODE
    (email,) = mailoutbox
    assert email.to == [parent.email]
    assert email.subject == "coprod: Your sign-in code"
    assert "Hello from" not in email.body
    assert "coprod" in email.body
    lifetime = minutes_in_words(settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT)
    assert f"It works for {lifetime}." in email.body
    code = code_from(email.body)
    assert re.fullmatch(r"\d{6}", code)
    assert len(email.body.split()) < 60, "the email is short"

    # and the page to type it in
    page = assert_plain_english(client.get(CONFIRM_CODE))
    assert page.title == "Enter your sign-in code – coprod"
    field = page.inputs["code"]
    assert field["autocomplete"] == "one-time-code"
    assert field["inputmode"] == "numeric"
    assert f"It works for {lifetime}." in client.get(CONFIRM_CODE).content.decode()


def test_the_code_may_be_typed_with_spaces(client, parent, mailoutbox):
    client.post(REQUEST_CODE, {"email": parent.email})
    code = code_from(mailoutbox[-1].body)

    response = client.post(CONFIRM_CODE, {"code": f" {code[:3]} {code[3:]} "})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == parent.pk


def test_a_wrong_or_missing_code_is_explained(client, parent, mailoutbox):
    client.post(REQUEST_CODE, {"email": parent.email})
    code = code_from(mailoutbox[-1].body)
    wrong = "000000" if code != "000000" else "111111"

    missing = client.post(CONFIRM_CODE, {"code": ""})
    assert "Enter the 6-digit code from the email" in missing.content.decode()
    assert parse(missing).title == "Error: Enter your sign-in code – coprod"
    response = client.post(CONFIRM_CODE, {"code": wrong})

    assert_plain_english(response)
    assert "The code is not right." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_request_and_its_email(client, parent, mailoutbox):
    page = assert_plain_english(client.get(RESET))
    assert page.title == "Reset your password – coprod"
    empty = client.post(RESET, {"email": ""})
    assert "Enter your email address" in empty.content.decode()
    assert parse(empty).title == "Error: Reset your password – coprod"

    response = client.post(RESET, {"email": parent.email}, follow=True)

    page = assert_plain_english(response)
    assert page.headings[0] == "Check your email"
    (email,) = mailoutbox
    assert email.subject == "coprod: Reset your password"
    assert "Hello from" not in email.body
    assert "coprod" in email.body
    assert "/accounts/password/reset/key/" in email.body


def test_the_second_step_page_asks_for_the_app_code_in_plain_english(client, org_admin):
    give_two_step(org_admin)

    response = client.post(LOGIN, {"login": org_admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == MFA_AUTHENTICATE

    page = assert_plain_english(client.get(MFA_AUTHENTICATE))
    assert page.title == "Enter the code from your app – coprod"
    assert page.inputs["code"]["autocomplete"] == "one-time-code"
    empty = client.post(MFA_AUTHENTICATE, {"code": ""})
    assert "Enter the 6-digit code from your authenticator app" in empty.content.decode()
    wrong = client.post(MFA_AUTHENTICATE, {"code": "000000"})
    assert_plain_english(wrong)
    assert "The code is not right." in wrong.content.decode()


def test_two_step_sign_in_is_not_offered_to_a_parent(client, parent):
    client.force_login(parent)

    page = assert_plain_english(client.get(MFA_INDEX))

    assert page.title == "Two-step sign-in – coprod"
    text = client.get(MFA_INDEX).content.decode()
    assert ACTIVATE_TOTP not in text
    assert "ask your organisation" in text


def test_two_step_sign_in_is_offered_to_staff(client, facilitator):
    client.force_login(facilitator)

    response = client.get(MFA_INDEX)

    assert_plain_english(response)
    assert ACTIVATE_TOTP in response.content.decode()


def test_who_is_offered_two_step_sign_in(client, parent, facilitator, make_user):
    def offered(user):
        client.force_login(user)  # sends user_logged_in, which notes whether the person has an app
        request = client.get(reverse("profile")).wsgi_request
        return two_step_offered(request)

    assert offered(parent) is False
    assert offered(facilitator) is True
    has_app = give_two_step(make_user(email="parent.with.app@example.test"))
    assert offered(has_app) is True  # they can still manage it
    operator = make_user(email="operator@example.test", is_staff=True)
    assert offered(operator) is True


def test_the_app_set_up_page_asks_for_6_digits(client, facilitator):
    client.force_login(facilitator)

    response = client.get(ACTIVATE_TOTP)
    if response.status_code == 302:  # allauth asks for the password again first
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        response = client.get(ACTIVATE_TOTP)

    page = assert_plain_english(response)
    assert page.title == "Set up your authenticator app – coprod"
    assert page.inputs["code"]["inputmode"] == "numeric"
    assert page.inputs["code"]["autocomplete"] == "one-time-code"


def test_staff_whose_role_needs_two_step_cannot_turn_it_off(org_admin):
    from groups.adapters import MfaAdapter

    give_two_step(org_admin)
    authenticator = Authenticator.objects.get(user=org_admin, type=Authenticator.Type.TOTP)

    assert MfaAdapter().can_delete_authenticator(authenticator) is False


def test_a_parent_can_turn_two_step_off(make_user):
    from groups.adapters import MfaAdapter

    person = give_two_step(make_user(email="careful.parent@example.test"))
    authenticator = Authenticator.objects.get(user=person, type=Authenticator.Type.TOTP)

    assert MfaAdapter().can_delete_authenticator(authenticator) is True


@pytest.mark.parametrize(("port", "expected"), [("8202", "http://127.0.0.1:8202"), (None, "http://127.0.0.1:8000")])
def test_site_url_follows_port(port, expected, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "DATABASE_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "coprod.settings.local"
    if port:
        env["PORT"] = port
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == expected


def test_an_explicit_site_url_wins_over_port():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(DJANGO_SETTINGS_MODULE="coprod.settings.local", PORT="8202", SITE_URL="https://coprod.example.org")
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "https://coprod.example.org"


def test_a_parents_pages_do_not_link_to_two_step_sign_in(client, parent):
    client.force_login(parent)

    text = client.get(reverse("profile")).content.decode()

    assert f'href="{MFA_INDEX}"' not in text


ANONYMOUS_PAGES = [
    "account_login",
    "account_request_login_code",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_inactive",
    "account_signup",
]
# One page each: allauth's titles were shared ("Sign In" on four pages); coprod's say what each page is for.
ALL_TITLES = {
    "Sign in",
    "Get a sign-in code",
    "Enter your sign-in code",
    "Reset your password",
    "Check your email",
    "Choose a new password",
    "Password changed",
    "This password reset link has expired",
    "Change your password",
    "Set a password",
    "Sign out",
    "Confirm it is you with your password",
    "Confirm it is you with an emailed code",
    "Enter the code we emailed you",
    "Confirm your email address",
    "This confirmation link has expired",
    "We have emailed you a link",
    "Confirm your email address first",
    "This account is closed",
    "Joining coprod",
    "Your email address",
    "Enter the code from your app",
    "Confirm it is you with your app",
    "Two-step sign-in",
    "Set up your authenticator app",
    "Turn off two-step sign-in",
    "Your recovery codes",
    "Make new recovery codes",
}
SIGNED_IN_PAGES = [
    "account_change_password",
    "account_logout",
    "account_reauthenticate",
    "account_email",
    "mfa_index",
]


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_every_sign_in_page_is_in_plain_english(client, name):
    response = client.get(reverse(name), follow=True)

    page = assert_plain_english(response)
    assert page.title.endswith(" – coprod") and len(page.title) > len(" – coprod")


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_every_signed_in_account_page_is_in_plain_english(client, facilitator, name):
    client.force_login(facilitator)

    response = client.get(reverse(name), follow=True)

    assert_plain_english(response)


def test_an_expired_email_or_reset_link_says_so(client):
    confirm = client.get(reverse("account_confirm_email", args=["not-a-key"]))
    reset = client.get(reverse("account_reset_password_from_key", args=["1", "set-password"]), follow=True)

    for response in (confirm, reset):
        page = assert_plain_english(response)
        assert page.headings[0].endswith("link has expired")
        assert page.title == f"{page.headings[0]} – coprod"


def test_someone_without_a_password_confirms_it_is_them_with_a_6_digit_code(client, parent, mailoutbox):
    parent.set_unusable_password()
    parent.save(update_fields=["password"])
    client.force_login(parent)

    response = client.get(reverse("account_request_reauthentication_code"))
    page = assert_plain_english(response)
    assert page.title == "Confirm it is you with an emailed code – coprod"
    sent = client.post(reverse("account_request_reauthentication_code"), {"recipient": parent.email}, follow=True)

    page = assert_plain_english(sent)
    assert page.inputs["code"]["inputmode"] == "numeric"
    assert page.inputs["code"]["autocomplete"] == "one-time-code"
    assert re.fullmatch(r"\d{6}", code_from(mailoutbox[-1].body))
    assert "Hello from" not in mailoutbox[-1].body


def test_each_sign_in_page_has_its_own_title():
    """Every head_title in templates/account and templates/mfa is one of ALL_TITLES, and no two templates share
    one (an "Error: " prefix aside)."""
    found: dict[str, str] = {}
    root = settings.BASE_DIR / "templates"
    for path in sorted([*root.glob("account/*.html"), *root.glob("mfa/**/*.html")]):
        match = re.search(r"{% block head_title %}(.*?){% endblock head_title %}", path.read_text())
        if not match:
            continue
        for title in re.findall(r"(?:%}|^)([^{%]+?)(?={%|$)", match.group(1)):
            title = title.strip()
            if not title or title == "Error:":
                continue
            assert title in ALL_TITLES, f"{path.name}: {title!r}"
            assert title not in found, f"{path.name} and {found.get(title)} share the title {title!r}"
            found[title] = path.name
    assert set(found) == ALL_TITLES


def test_two_step_pages_for_someone_who_has_it_are_in_plain_english(client, org_admin):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    from tests.conftest import TOTP_SECRET

    give_two_step(org_admin)
    client.post(LOGIN, {"login": org_admin.email, "password": PASSWORD})
    code = format_hotp_value(hotp_value(TOTP_SECRET, next(yield_hotp_counters_from_time())))
    assert client.post(MFA_AUTHENTICATE, {"code": code}).status_code == 302
    # allauth asks again before a change to two-step sign-in
    reauth = client.get(reverse("mfa_generate_recovery_codes"), follow=True)
    assert_plain_english(reauth)
    client.post(reauth.redirect_chain[-1][0], {"password": PASSWORD})
    generated = client.post(reverse("mfa_generate_recovery_codes"), {})
    assert generated.status_code == 302

    pages = {
        "mfa_index": "Two-step sign-in",
        "mfa_view_recovery_codes": "Your recovery codes",
        "mfa_generate_recovery_codes": "Make new recovery codes",
        "mfa_deactivate_totp": "Turn off two-step sign-in",
    }
    for name, heading in pages.items():
        response = client.get(reverse(name))
        page = assert_plain_english(response)
        assert page.headings[0] == heading, name
    assert "You have 10 unused codes." in client.get(reverse("mfa_index")).content.decode()
    # an organisation admin must keep it: turning it off is refused in plain words
    refused = client.post(reverse("mfa_deactivate_totp"), {})
    assert Authenticator.objects.filter(user=org_admin, type=Authenticator.Type.TOTP).exists()
    assert "Your role needs two-step sign-in, so you cannot turn it off." in refused.content.decode()


HOSTILE_TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=400))


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("account_login", ("login", "password")),
        ("account_request_login_code", ("email",)),
        ("account_confirm_login_code", ("code",)),
        ("account_reset_password", ("email",)),
    ],
)
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_input_on_the_sign_in_forms_is_refused_kindly(client, parent, name, fields, data):
    """Never a 500, never signed in by a spoiled value, and any error in plain English."""
    if name == "account_confirm_login_code":
        client.post(REQUEST_CODE, {"email": parent.email})
    values = {field: data.draw(HOSTILE_TEXT, label=field) for field in fields}

    response = client.post(reverse(name), values)

    assert response.status_code in (200, 302)
    assert "_auth_user_id" not in client.session
    if response.status_code == 200:
        assert "This field is required." not in response.content.decode()


def test_confirming_it_is_you_with_the_app(client, org_admin):
    give_two_step(org_admin)
    client.force_login(org_admin)

    response = client.get(reverse("mfa_reauthenticate"))

    page = assert_plain_english(response)
    assert page.title == "Confirm it is you with your app – coprod"
    assert page.inputs["code"]["autocomplete"] == "one-time-code"
    assert "Code from your authenticator app" in response.content.decode()
