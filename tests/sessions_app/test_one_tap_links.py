"""One-tap answer links (issue 9): single use, bound to their person, no name on the page, days not months, a "no"
leaves support requests alone, and no token in gunicorn's access log."""

import re
import threading
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_app import services
from sessions_app.answer_links import LINK_LIFETIME, answer_by_link, answer_links, answer_token_open
from sessions_app.models import Answer, Message, OneTapNonce, Rsvp, SupportRequest


def path_of(link: str) -> str:
    return urlparse(link).path


def nonce_of(path: str) -> OneTapNonce:
    return OneTapNonce.objects.get(nonce=answer_token_open(path.rstrip("/").rsplit("/", 1)[1]).nonce)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


@pytest.fixture
def session(make_session):
    return make_session()


@pytest.fixture
def links(session, parent):
    yes, no = answer_links(session=session, person=parent)
    return {"yes": path_of(yes), "no": path_of(no)}


def test_a_link_answers_once_and_is_refused_after(client, session, parent, links):
    # given the parent said yes through the link
    assert client.post(links["yes"]).status_code == 200
    assert Rsvp.objects.get(session=session, user=parent).answer == Answer.YES

    # when the same link, or its "no" twin from the same message, is used again
    again = client.post(links["yes"])
    twin = client.post(links["no"])
    opened = client.get(links["no"])

    # then each is refused and the answer stays as it was
    for response in (again, twin, opened):
        assert response.status_code == 410
        assert "This link has already been used" in text_of(response)
    assert Rsvp.objects.get(session=session, user=parent).answer == Answer.YES
    assert nonce_of(links["yes"]).used_at is not None


def test_the_links_in_an_invitation_are_used_up_by_the_first_answer(client, session, parent):
    body = Message.objects.get(person=parent, kind=Message.Kind.INVITATION, channel="email").body
    yes = path_of(re.search(r"Yes, I'll come: (\S+)", body).group(1))
    no = path_of(re.search(r"No, I can't: (\S+)", body).group(1))

    assert client.post(no).status_code == 200
    assert client.post(yes).status_code == 410
    assert Rsvp.objects.get(session=session, user=parent).answer == Answer.NO


def test_two_taps_at_once_record_one_answer(transactional_db, session, parent):
    """The nonce row is locked while the answer is recorded: of two taps racing, one answers, one is refused."""
    yes, no = answer_links(session=session, person=parent)
    results, barrier = [], threading.Barrier(2)

    def tap(link):
        barrier.wait()
        try:
            answer_by_link(link=answer_token_open(path_of(link).rstrip("/").rsplit("/", 1)[1]), person=parent)
            results.append("answered")
        except Exception as exc:  # noqa: BLE001 - the refusal is what is counted
            results.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(link,)) for link in (yes, no)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(results) == ["answered", "link_used"]
    assert Rsvp.objects.filter(session=session, user=parent).count() == 1


@pytest.mark.parametrize("who", ["professional", "facilitator", "outsider"])
def test_a_link_is_refused_while_someone_else_is_signed_in(client, request, session, parent, links, who):
    client.force_login(request.getfixturevalue(who))

    opened = client.get(links["yes"])
    posted = client.post(links["yes"])

    for response in (opened, posted):
        assert response.status_code == 403
        assert "This link is for someone else. Sign out first." in text_of(response)
        assert parent.display_name not in text_of(response)
        assert parent.full_name not in text_of(response)
    assert not Rsvp.objects.filter(session=session).exists()
    assert nonce_of(links["yes"]).used_at is None  # still there for its owner


def test_the_person_signed_in_as_themselves_may_use_it(client, session, parent, links):
    client.force_login(parent)

    assert client.post(links["yes"]).status_code == 200
    assert Rsvp.objects.get(session=session, user=parent).answer == Answer.YES


def test_the_page_shows_no_name_before_or_after_the_answer(client, session, parent, links):
    parent.preferred_name = "Patsy"
    parent.save(update_fields=["preferred_name"])

    before = text_of(client.get(links["yes"]))
    after = text_of(client.post(links["yes"]))

    for page in (before, after):
        for name in ("Patsy", parent.full_name, parent.email, session.group.name):
            assert name not in page
    assert "Please confirm your answer" in before
    assert "You said yes" in after


def test_a_link_works_for_days_not_months(client, session, parent):
    # given a session five weeks away and a link sent now
    session.starts_at = timezone.now() + timedelta(days=35)
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save(update_fields=["starts_at", "ends_at"])
    yes, _ = answer_links(session=session, person=parent)

    # when the link is eight days old
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        opened = client.get(path_of(yes))
        posted = client.post(path_of(yes))

    # then it is refused, and nothing is answered
    assert LINK_LIFETIME <= timedelta(days=7)
    for response in (opened, posted):
        assert response.status_code == 410
        assert "This link has expired" in text_of(response)
    assert not Rsvp.objects.filter(session=session).exists()


def test_a_link_still_works_within_its_days(client, session, parent):
    session.starts_at = timezone.now() + timedelta(days=35)
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save(update_fields=["starts_at", "ends_at"])
    yes, _ = answer_links(session=session, person=parent)

    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert client.post(path_of(yes)).status_code == 200
    assert Rsvp.objects.get(session=session, user=parent).answer == Answer.YES


def test_a_link_never_outlives_the_session_start(session, parent):
    session.starts_at = timezone.now() + timedelta(days=2)
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save(update_fields=["starts_at", "ends_at"])

    yes, _ = answer_links(session=session, person=parent)

    assert nonce_of(path_of(yes)).expires_at == session.starts_at


def test_a_no_by_link_leaves_support_requests_pending_and_says_how_to_cancel(client, session, parent, links):
    # given the parent said yes and asked for an interpreter
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    request = services.support_request_create(session=session, user=parent, kind="interpreter", language="Polish")

    # when they tap "no" in a message
    response = client.post(links["no"])

    # then the answer is recorded, the request is not withdrawn, and the page offers to cancel it on confirming
    assert Rsvp.objects.get(session=session, user=parent).answer == Answer.NO
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.PENDING
    page = text_of(response)
    assert "You asked for an interpreter. We have not cancelled it" in page
    assert reverse("sessions_app:cant_come", args=[session.pk]) in response.content.decode()


def test_a_no_keeps_support_requests_until_cancelling_is_confirmed(session, parent):
    """Signed in or by link, a plain no keeps them; a confirmed no cancels them and says why."""
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    request = services.support_request_create(session=session, user=parent, kind="interpreter", language="Polish")

    services.rsvp_answer(session=session, user=parent, answer=Answer.NO)
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.PENDING

    services.rsvp_answer(session=session, user=parent, answer=Answer.NO, cancel_support=True)
    request.refresh_from_db()
    assert (request.status, request.cancelled_reason) == (SupportRequest.Status.WITHDRAWN, "said_no")


def test_a_token_without_its_nonce_row_is_not_found(client, session, parent, links):
    OneTapNonce.objects.all().delete()

    assert client.get(links["yes"]).status_code == 404
    assert client.post(links["yes"]).status_code == 404


# --- tokens kept out of the access log ---------------------------------------------------------------------


def access_line(path: str, referer: str = "-") -> str:
    from gunicorn.config import Config

    from coprod.gunicorn_logging import RedactingLogger

    class Response:
        status = "200 OK"
        sent = 10
        headers = ()

    class Request:
        headers = [("REFERER", referer)]

    cfg = Config()
    cfg.set("accesslog", "-")
    logger = RedactingLogger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": referer,
    }
    atoms = logger.atoms(Response(), Request(), environ, timedelta(seconds=0))
    return cfg.access_log_format % atoms


@pytest.mark.parametrize(
    "path",
    [
        "/a/eyJzIjoxLCJ1IjoyfQ:1tXyz:abcDEF123/",
        "/calendar/Zq8secret-feed-token.ics",
        "/invitations/inv-secret-token/",
        "/accounts/confirm-email/MQ:1tXyz:secretkey/",
        "/accounts/password/reset/key/1-set-password/",
    ],
)
def test_gunicorn_access_log_never_holds_a_token(path):
    token = path.rstrip("/").rsplit("/", 1)[1].removesuffix(".ics")

    line = access_line(path, referer=f"https://coprod.example{path}")

    assert token not in line
    assert "[token]" in line


def test_gunicorn_reads_the_redacting_logger_from_its_config():
    from pathlib import Path

    from gunicorn.config import Config

    cfg = Config()
    namespace: dict = {}
    exec(Path("gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own config file
    cfg.set("logger_class", namespace["logger_class"])

    from coprod.gunicorn_logging import RedactingLogger

    assert cfg.logger_class is RedactingLogger
    assert "--config" in Path("Dockerfile").read_text()
    assert "--config gunicorn.conf.py" in Path("docker-compose.yml").read_text()


def test_ordinary_paths_are_logged_as_they_are():
    assert "GET /sessions/12/ HTTP/1.1" in access_line("/sessions/12/")


def test_a_signed_out_client_of_a_used_link_learns_nothing(session, parent, links):
    Client().post(links["yes"])

    page = text_of(Client().get(links["yes"]))

    assert session.title not in page and parent.full_name not in page


def test_django_log_lines_have_their_tokens_replaced(client, links, caplog):
    """Django logs "Not Found: <path>" for a refused link: the project's log handlers redact it."""
    import logging

    from coprod.log_redaction import RedactTokensFilter

    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (links["yes"],), None)

    assert RedactTokensFilter().filter(record) is True
    assert record.getMessage() == "Not Found: /a/[token]/"


def test_the_console_handler_uses_the_redacting_filter(settings):
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["redact_tokens"]
    assert settings.LOGGING["filters"]["redact_tokens"]["()"] == "coprod.log_redaction.RedactTokensFilter"
