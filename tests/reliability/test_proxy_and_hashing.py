"""Sign-in for a room full of people (issue 10, item 2).

Behind our proxy, each person's own address counts, read by one rule in the audit trail and in allauth's rate
limits; a room on one shared address can sign in together; wrong passwords for one account are still stopped.
Passwords are hashed with Argon2id at a cost that a two-core server can pay for a room, within OWASP's guidance,
and older hashes are upgraded at the next sign-in.
"""

import json
import time

import pytest
from allauth.account.adapter import get_adapter
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import reverse

from core import audit
from core.hashers import Argon2PasswordHasher
from core.middleware import RequestContextMiddleware, client_ip
from groups.adapters import ACCOUNT_ERROR_MESSAGES
from groups.models import User
from tests.conftest import PASSWORD
from tests.test_settings import PRODUCTION_ENV, clean_environment, random_secret_key, run

LOGIN = reverse("account_login")
PROXY = "10.0.0.2"  # our nginx, as the app sees it
TOO_MANY = ACCOUNT_ERROR_MESSAGES["too_many_login_attempts"]
ARGON2_FIRST = ["core.hashers.Argon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # allauth counts sign-ins in the cache
    yield
    cache.clear()


def trusting(count):
    return override_settings(TRUSTED_PROXY_COUNT=count, ALLAUTH_TRUSTED_PROXY_COUNT=count)


# ---------------------------------------------------------------------------------------------------- addresses

CASES = [
    # (trusted proxies, REMOTE_ADDR, X-Forwarded-For, the person's address)
    (0, "198.51.100.9", None, "198.51.100.9"),
    (0, "198.51.100.9", "203.0.113.5", "198.51.100.9"),  # no proxy trusted: a client's header is ignored
    (1, PROXY, None, PROXY),
    (1, PROXY, "203.0.113.5", "203.0.113.5"),
    (1, PROXY, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client wrote 6.6.6.6; nginx appended the real one
    (1, PROXY, "6.6.6.6,203.0.113.5", "203.0.113.5"),
    (2, PROXY, "6.6.6.6, 203.0.113.5, 10.0.0.1", "203.0.113.5"),  # a load balancer, then nginx
    (1, PROXY, "2001:db8::1", "2001:db8::1"),
]


@pytest.mark.parametrize(("count", "remote_addr", "forwarded", "expected"), CASES)
def test_the_audit_trail_and_the_rate_limits_read_the_same_address(count, remote_addr, forwarded, expected):
    headers = {"x_forwarded_for": forwarded} if forwarded else {}
    request = RequestFactory().post(LOGIN, REMOTE_ADDR=remote_addr, headers=headers)

    with trusting(count):
        ours = client_ip(request)
        allauths = get_adapter(request).get_client_ip(request)

    assert ours == allauths == expected


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("not-an-address", PROXY),  # not through our proxy as configured: the connecting address
        ("", PROXY),
        ("203.0.113.5:4711", "203.0.113.5"),  # some proxies add the port
    ],
)
def test_an_unreadable_forwarded_address_falls_back_to_the_connecting_one(forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, headers={"x_forwarded_for": forwarded})

    with trusting(1):
        assert client_ip(request) == expected


def test_a_header_shorter_than_the_proxy_count_is_not_trusted():
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, headers={"x_forwarded_for": "203.0.113.5"})

    with trusting(2):
        assert client_ip(request) == PROXY


def test_the_request_context_gives_the_audit_trail_the_persons_address():
    seen = []
    middleware = RequestContextMiddleware(lambda request: seen.append(audit._request_ip.get()) or "response")
    request = RequestFactory().post("/", REMOTE_ADDR=PROXY, headers={"x_forwarded_for": "6.6.6.6, 203.0.113.5"})

    with trusting(1):
        middleware(request)

    assert seen == ["203.0.113.5"]
    assert audit._request_ip.get() is None  # and only for the length of the request


# ---------------------------------------------------------------------------------------------- a room signs in


@pytest.fixture
def room(make_user):
    return [make_user(email=f"person{i}@example.test") for i in range(50)]


def sign_in(client, email, password=PASSWORD, **headers):
    client.cookies.clear()
    return client.post(LOGIN, {"login": email, "password": password}, headers=headers)


def test_fifty_people_behind_our_proxy_sign_in_within_a_minute(client, room):
    with trusting(1):
        answers = [sign_in(client, person.email, x_forwarded_for=f"203.0.113.{i + 1}") for i, person in enumerate(room)]

    assert [a.status_code for a in answers] == [302] * 50


def test_fifty_people_on_one_venue_address_sign_in_within_a_minute(client, room):
    # A venue's Wi-Fi: the whole room has one public address. allauth's default (30 a minute) refused 20 of them.
    with trusting(1):
        answers = [sign_in(client, person.email, x_forwarded_for="198.51.100.20") for person in room]

    assert [a.status_code for a in answers] == [302] * 50


def test_a_room_with_some_typos_still_signs_in(client, room):
    # 15 people get their password wrong once, then right: the venue's address is not locked out.
    with trusting(1):
        wrong = [sign_in(client, p.email, "not-it", x_forwarded_for="198.51.100.20") for p in room[:15]]
        answers = [sign_in(client, person.email, x_forwarded_for="198.51.100.20") for person in room]

    assert {a.status_code for a in wrong} == {200}
    assert [a.status_code for a in answers] == [302] * 50


def test_fifty_wrong_passwords_for_one_account_are_stopped(client, parent):
    # from fifty different addresses, so only the per-account limit can stop them
    with trusting(1):
        answers = [sign_in(client, parent.email, f"guess-{i}", x_forwarded_for=f"203.0.113.{i + 1}") for i in range(50)]
        refused = [a for a in answers if TOO_MANY in a.content.decode()]
        # then even the right password is refused for now
        right = sign_in(client, parent.email, x_forwarded_for="203.0.113.99")

    assert len(refused) == 45  # five tries, then no more
    assert all(a.status_code == 200 for a in answers)
    assert right.status_code == 200 and TOO_MANY in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_get_a_plain_message(client, parent):
    response = sign_in(client, parent.email, "not-it")

    assert response.status_code == 200
    assert ACCOUNT_ERROR_MESSAGES["email_password_mismatch"] in response.content.decode()


# --------------------------------------------------------------------------------------------- password hashing


def test_production_settings_hash_with_argon2_first():
    env = clean_environment(**PRODUCTION_ENV, SECRET_KEY=random_secret_key())
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "from django.contrib.auth.hashers import get_hasher; h = get_hasher(); "
        "print(json.dumps([settings.PASSWORD_HASHERS, h.algorithm, h.memory_cost, h.time_cost, h.parallelism]))"
    )

    result = run(["-c", code], env)

    assert result.returncode == 0, result.stderr
    hashers, algorithm, memory_cost, time_cost, parallelism = json.loads(result.stdout.strip().splitlines()[-1])
    assert hashers[0] == "core.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers  # older hashes still verify
    assert (algorithm, memory_cost, time_cost, parallelism) == ("argon2", 47_104, 2, 1)


def test_the_argon2_parameters_meet_owasps_minimum_and_a_hash_is_quick():
    hasher = Argon2PasswordHasher()
    # OWASP (Password Storage Cheat Sheet): Argon2id with at least 19 MiB, 2 passes, 1 lane, or 46 MiB and 1 pass
    assert hasher.parallelism >= 1
    assert (hasher.memory_cost >= 19_456 and hasher.time_cost >= 2) or hasher.memory_cost >= 47_104
    encoded = hasher.encode(PASSWORD, hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=47104,t=2,p=1$")

    started = time.perf_counter()
    assert hasher.verify(PASSWORD, encoded)
    # about 0.1 to 0.2 s on a busy two-core machine; a second is the limit for a whole sign-in
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "old_hash",
    [
        pytest.param(lambda: make_password(PASSWORD, hasher="pbkdf2_sha256"), id="pbkdf2"),
        pytest.param(lambda: DjangoArgon2PasswordHasher().encode(PASSWORD, "somesaltsomesalt"), id="django-argon2"),
    ],
)
def test_an_older_hash_still_signs_in_and_is_upgraded(client, parent, old_hash):
    with override_settings(PASSWORD_HASHERS=[*ARGON2_FIRST, "django.contrib.auth.hashers.MD5PasswordHasher"]):
        User.objects.filter(pk=parent.pk).update(password=old_hash())

        response = sign_in(client, parent.email)

    assert response.status_code == 302
    stored = User.objects.get(pk=parent.pk).password
    assert stored.startswith("argon2$argon2id$v=19$m=47104,t=2,p=1$")
    with override_settings(PASSWORD_HASHERS=ARGON2_FIRST):
        assert isinstance(identify_hasher(stored), Argon2PasswordHasher)
