"""What the apps above tell `notifications` at start-up, so it never imports them.

- **Message kinds.** Each app registers the kinds of message it sends, with their templates, in its
  `AppConfig.ready()`. Sending a kind nobody registered is an error. Every kind has its own short text-message
  template: a text never falls back to the email body.
- **Sensitive kinds** keep no body in the log. Their templates are rendered when the message goes out, from the
  row's `link` and the recipient alone, and they say only that there is something to look at, with the link.
- **Personal links** (links that work without signing in, because a token in them is the proof) are never shown
  to staff. An app registers the paths of its personal links; `display.redact_personal_links` replaces them.
- **Quiet hours** come from the app that keeps them per organisation (`set_quiet_hours_resolver`).
- **Fan-outs** are the work of making many messages at once (inviting a whole group), which an app registers
  by name (`register_fanout`) so that a task can do it outside the request (`services.fanout_request`).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured, ValidationError


@dataclass(frozen=True)
class MessageKind:
    """One kind of message. `name` is what the log stores ("sessions.invitation"; short, stable, at most 60
    characters). `email_template` and `text_template` are template names; the text template is mandatory and
    short (time and place where relevant and a link; nothing personal a screen-peeker should not read).
    A `sensitive` kind's templates get only `link` (the full address) and `person` (the recipient, or None),
    plus what its `delivery_context(person=..., key=...)` returns as the message goes out (for what must never
    be stored, such as a code; an exception it raises is the delivery's failure)."""

    name: str
    label: str
    email_template: str
    text_template: str
    sensitive: bool = False
    delivery_context: Callable[..., dict] | None = None

    def __post_init__(self):
        if not self.name or len(self.name) > 60:
            raise ImproperlyConfigured(f"A message kind needs a name of 1 to 60 characters, not {self.name!r}.")
        if not self.text_template:
            raise ImproperlyConfigured(f"Message kind {self.name!r} needs its own short text-message template.")


# Templates any sensitive kind may use: they say only that there is something to look at, with the link.
SOMETHING_TO_LOOK_AT_EMAIL = "notifications/something_to_look_at.txt"
SOMETHING_TO_LOOK_AT_TEXT = "notifications/something_to_look_at_text.txt"

_kinds: dict[str, MessageKind] = {}


def register_kind(kind: MessageKind) -> MessageKind:
    """Registers a kind; registering the same kind again is harmless, a different one under a taken name is not."""
    existing = _kinds.get(kind.name)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"Message kind {kind.name!r} is already registered differently.")
    _kinds[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    """For tests that register a kind of their own."""
    _kinds.pop(name, None)


def get_kind(name: str) -> MessageKind:
    """The registered kind, or a ValidationError (code "unknown_kind")."""
    try:
        return _kinds[name]
    except KeyError:
        raise ValidationError(
            f"No app has registered the message kind {name!r}.", code="unknown_kind", params={"kind": name}
        ) from None


def find_kind(name: str) -> MessageKind | None:
    return _kinds.get(name)


def kinds() -> list[MessageKind]:
    return list(_kinds.values())


def kind_label(name: str) -> str:
    kind = _kinds.get(name)
    return kind.label if kind else name


# --- personal links ----------------------------------------------------------------------------------------

_personal_link_paths: list[re.Pattern] = []


def register_personal_link(pattern: str) -> None:
    """A regular expression matching the path of a link that works without signing in (e.g. r"^/a/[^/]+/$")."""
    compiled = re.compile(pattern)
    if compiled.pattern not in {p.pattern for p in _personal_link_paths}:
        _personal_link_paths.append(compiled)


def personal_link_patterns() -> tuple[re.Pattern, ...]:
    return tuple(_personal_link_paths)


# --- quiet hours -------------------------------------------------------------------------------------------


class QuietHours(NamedTuple):
    quiet_from: time
    quiet_until: time


DEFAULT_QUIET_HOURS = QuietHours(time(21, 0), time(8, 0))

_quiet_hours_resolver: Callable[[int], object] | None = None


def set_quiet_hours_resolver(fn: Callable[[int], object] | None) -> None:
    """`fn(organisation_id)` returns the organisation's quiet hours: anything with `quiet_from` and
    `quiet_until` (times), or a (from, until) pair. Without a resolver, texts are quiet from 21:00 to 08:00."""
    global _quiet_hours_resolver
    _quiet_hours_resolver = fn


def quiet_hours_for(organisation_id: int) -> QuietHours:
    found = _quiet_hours_resolver(organisation_id) if _quiet_hours_resolver else None
    if found is None:
        return DEFAULT_QUIET_HOURS
    if isinstance(found, tuple):
        return QuietHours(*found)
    return QuietHours(found.quiet_from, found.quiet_until)


# --- fan-outs ----------------------------------------------------------------------------------------------

_fanouts: dict[str, Callable[[int], int]] = {}


def register_fanout(name: str, fn: Callable[[int], int]) -> None:
    """`fn(object_id)` makes the messages of one fan-out (with `services.messages_send_many`) and returns how
    many it made. It runs in a transaction with the fan-out's row locked, once; it must be safe to run again
    all the same (message keys make a repeat create nothing). `name` is stored: short and stable."""
    if not name or len(name) > 60:
        raise ImproperlyConfigured(f"A fan-out needs a name of 1 to 60 characters, not {name!r}.")
    existing = _fanouts.get(name)
    if existing is not None and existing is not fn:
        raise ImproperlyConfigured(f"Fan-out {name!r} is already registered differently.")
    _fanouts[name] = fn


def get_fanout(name: str) -> Callable[[int], int]:
    try:
        return _fanouts[name]
    except KeyError:
        raise ImproperlyConfigured(f"No app has registered the fan-out {name!r}.") from None
