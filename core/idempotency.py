"""Every form is sent once: a double click or a retried POST makes one record.

One mechanism for every form, like an idempotency key on a payments API:

- ``{% form_token %}`` (``core/templatetags/forms_extra.py``) puts a fresh random token in each form as it is
  shown.
- ``IdempotencyMiddleware`` claims the token for the person who sent it before the view runs: a row of
  ``FormSubmission``, unique on (who, token), inserted and committed on its own (``ATOMIC_REQUESTS`` is off).

  * The first request to claim it runs the view. If the view redirects (the form was saved), the row keeps
    where it went; if not (the form had errors, a refusal, a failure), the row is deleted so the person can
    send the form again.
  * A request that finds the token already claimed waits for the first one to finish (up to
    ``WAIT_SECONDS``), then goes where the first one went, with the message "That was already saved.". If the
    first one ended without saving, this one is processed as if it were the first.

A token is bound to the person: their user id when signed in, else (a hash of) their session key. A request
with neither, or without a token, is processed as it always was.

We wrote this rather than take a library: django-idempotency-key reads an ``Idempotency-Key`` request header
(which an HTML form cannot send) and lists Django only up to 4.2; drf-idempotency and drf-idempotencykey are for
Django REST framework views, which we do not have. They replay whole stored responses; a form only needs to
know where the first submission went.
"""

import hashlib
import re
import time
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils import timezone

from .forms import safe_next_url

FORM_TOKEN_FIELD = "form_token"  # noqa: S105 - a field name, not a secret
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what secrets.token_urlsafe makes; anything else is ignored
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.1
ALREADY_SAVED = "That was already saved."
STILL_SAVING = "What you sent is still being saved. Check in a moment that it is there before sending it again."
KEEP_FOR = timedelta(hours=24)


def _who(request) -> str:
    """The person a token belongs to, or "" when there is no way to tell one visitor from another."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session = getattr(request, "session", None)
    key = session.session_key if session is not None else None
    if key:
        # The key lets whoever holds it in as that visitor: keep only a hash of it.
        return "session:" + hashlib.sha256(key.encode()).hexdigest()[:64]
    return ""


def _claim(*, who: str, token: str, path: str):
    """The new row when this request is the first to send the token, else None. Committed at once, so a
    second request sees it while the first is still working."""
    from .models import FormSubmission

    try:
        with transaction.atomic():
            return FormSubmission.objects.create(who=who, token=token, path=path)
    except IntegrityError:
        return None


def _saved(response, request) -> bool:
    """A redirect is how our views say "saved"; one that carries an error message is a refusal."""
    if not 300 <= response.status_code < 400 or not response.get("Location"):
        return False
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", ())
    return not any(m.level >= messages.ERROR for m in queued)


class IdempotencyMiddleware:
    """Place after the authentication, CSRF and messages middleware (its work is in ``process_view``, so a
    request refused by CSRF never claims a token)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except BaseException:
            submission = getattr(request, "_form_submission", None)
            if submission is not None:
                type(submission).objects.filter(pk=submission.pk).delete()
            raise
        submission = getattr(request, "_form_submission", None)
        if submission is not None:
            self._finish(submission, request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        token = request.POST.get(FORM_TOKEN_FIELD, "")
        who = _who(request)
        if not TOKEN_RE.fullmatch(token) or not who:
            return None
        return self._claim_or_wait(request, who=who, token=token)

    def _claim_or_wait(self, request, *, who: str, token: str):
        from .models import FormSubmission

        path = request.path.replace("\x00", "")[:2000]
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            submission = _claim(who=who, token=token, path=path)
            if submission is not None:
                request._form_submission = submission  # the view runs; __call__ records how it ended
                return None
            first = FormSubmission.objects.filter(who=who, token=token).values("path", "location").first()
            if first is None:
                continue  # the first one has just ended without saving: claim it for this request
            if first["path"] != path:
                return None  # the same token sent to another form: not a repeat of this one
            if first["location"]:
                messages.info(request, ALREADY_SAVED, fail_silently=True)
                return HttpResponseRedirect(first["location"])
            if time.monotonic() >= deadline:
                messages.warning(request, STILL_SAVING, fail_silently=True)
                return HttpResponseRedirect(safe_next_url(request, request.META.get("HTTP_REFERER"), "/"))
            time.sleep(POLL_SECONDS)

    def _finish(self, submission, request, response) -> None:
        from .models import FormSubmission

        rows = FormSubmission.objects.filter(pk=submission.pk)
        if _saved(response, request):
            rows.update(location=response["Location"][:2000])
        else:
            rows.delete()


def form_submissions_clear(*, older_than: timedelta = KEEP_FOR) -> int:
    """Forgets form tokens claimed more than `older_than` ago (a day by default); returns how many. Run hourly
    by the beat schedule (``core.tasks.clear_form_submissions``)."""
    from .models import FormSubmission

    deleted, _ = FormSubmission.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
