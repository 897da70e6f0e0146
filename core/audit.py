"""Write to the audit and access trails. Every service that changes something calls `audit_record` inside its
own transaction, so a change that rolls back leaves no event and an event never describes a change that did not
happen.

    audit_record(action="session.published", actor=acting_user, obj=session, organisation_id=org_id,
                 data={"members_told": 12})

`actor` is the person who acted; scheduled jobs pass `actor_label="job:send-reminders"` instead. The request's
address is added when the call happens inside a web request (`core.middleware.RequestContextMiddleware`).
"""

from contextvars import ContextVar

from django.db import models

from .models import AccessEvent, AuditEvent

_request_ip: ContextVar[str | None] = ContextVar("coprod_request_ip", default=None)

MAX_DATA_KEYS = 30


def set_request_ip(ip: str | None):
    return _request_ip.set(ip)


def reset_request_ip(token) -> None:
    _request_ip.reset(token)


def _object_fields(obj) -> dict:
    if obj is None:
        return {}
    if isinstance(obj, models.Model):
        return {
            "object_type": obj._meta.label_lower,
            "object_id": str(obj.pk),
            "object_repr": object_label(obj)[:200],
        }
    raise TypeError("audit: obj must be a saved model instance")


def object_label(obj) -> str:
    """What the trail calls an object. The trail is never rewritten, so it must not hold what a person may ask
    to have erased: a model whose name is safe to keep (a group, a session, a venue) says so by defining
    `audit_label()`; anything else (a person, a check-in, an invitation) is named by its kind and number."""
    label = getattr(obj, "audit_label", None)
    if callable(label):
        return str(label())
    return f"{str(obj._meta.verbose_name).capitalize()} {obj.pk}"


def _organisation_of(obj, organisation_id):
    if organisation_id is not None or obj is None:
        return organisation_id
    # Models of ours say which organisation they belong to (Group, Session, ... have organisation_id).
    found = getattr(obj, "organisation_id", None)
    return found if isinstance(found, int) else None


def _actor_fields(actor, actor_label: str) -> dict:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_label": actor_label[:80]}
    return {"actor": None, "actor_label": (actor_label or "system")[:80]}


def _clean(data: dict | None) -> dict:
    data = dict(data or {})
    if len(data) > MAX_DATA_KEYS:
        raise ValueError("audit: keep the facts small")
    return data


def audit_record(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    obj=None,
    organisation_id: int | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Records one change. `action` is a stable name, `<thing>.<past tense>`: it is what people search by."""
    if not action or "." not in action:
        raise ValueError("audit: name the action as <thing>.<what happened>, e.g. session.published")
    return AuditEvent.objects.create(
        action=action[:80],
        organisation_id=_organisation_of(obj, organisation_id),
        data=_clean(data),
        ip_address=_request_ip.get(),
        **_actor_fields(actor, actor_label),
        **_object_fields(obj),
    )


def access_record(
    *,
    kind: str,
    actor,
    obj=None,
    organisation_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    data: dict | None = None,
) -> AccessEvent:
    """Records one read (or a refused attempt) of a restricted record. Pass `obj`, or `object_type` and
    `object_id` for something that was not found or may not be named."""
    if kind not in AccessEvent.Kind.values:
        raise ValueError(f"access: unknown kind {kind!r}")
    fields = _object_fields(obj) or {"object_type": object_type[:60], "object_id": str(object_id)[:40]}
    return AccessEvent.objects.create(
        kind=kind,
        organisation_id=_organisation_of(obj, organisation_id),
        data=_clean(data),
        ip_address=_request_ip.get(),
        **_actor_fields(actor, ""),
        **fields,
    )
