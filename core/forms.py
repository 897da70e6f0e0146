"""Helpers every app's views and forms share."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.http import url_has_allowed_host_and_scheme


def add_service_errors(form, error: ValidationError, *, field_for: dict[str, str] | None = None) -> None:
    """Puts a service's ValidationError on a form, so the error summary shows it: dict-shaped errors on their
    field (renamed through `field_for`, or the form's FIELD_FOR, where the form asks a model field in parts,
    e.g. starts_at is the start time), errors for names the form does not have, and plain ones, at the top."""
    names = {**getattr(form, "FIELD_FOR", {}), **(field_for or {})}
    if hasattr(error, "error_dict"):
        for name, errs in error.error_dict.items():
            name = names.get(name, name)
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, error)


class ServiceFormMixin:
    """For FormViews whose form_valid calls one service: `form_valid` calls `self.perform(form)`; a
    ValidationError from the service goes onto the form and the page is shown again with what was typed."""

    def perform(self, form):  # pragma: no cover - every user overrides it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            return self.perform(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)


def safe_next_url(request, url: str | None, default: str = "") -> str:
    """`url` if it points back into this site (same host; https when the request is), else `default`. For
    "next" and "back" addresses a person can put in a link. Only a path from the root ("/...") or a full
    address qualifies: anything else ("line", a control character) would be taken for a URL name by redirect()."""
    if not url or len(url) > 2000 or any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029" for c in url):
        return default
    if not (url.startswith("/") or url.startswith(("http://", "https://"))):
        return default
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default
