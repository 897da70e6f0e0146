"""Builders shared by the sessions tests. Data is made through the services, so the rules they keep hold."""

from datetime import datetime, timedelta

from groups.models import User
from sessions_app import services
from sessions_app.models import Session, Venue


def plan_session(
    group,
    lead: User,
    support: User | None = None,
    *,
    starts_at: datetime,
    title: str = "Planning the summer fun day",
    purpose: str = "Decide together what the fun day offers families.",
    hours: int = 2,
    format: str = Session.Format.IN_PERSON,
    venue: Venue | None = None,
    joining_link: str = "",
    capacity: int | None = None,
    publish: bool = True,
    **fields,
) -> Session:
    """A session of `group` planned by `lead` (who leads it) with `support` supporting, through
    `session_create`, and published through `session_publish` unless `publish` is false. Other keyword
    arguments go to `session_create` as they are."""
    [session] = services.session_create(
        group=group,
        acting_user=lead,
        title=title,
        purpose=purpose,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        format=format,
        venue=venue,
        joining_link=joining_link,
        capacity=capacity,
        lead=lead,
        supports=[support] if support else [],
        **fields,
    )
    if publish:
        session = services.session_publish(session=session, acting_user=lead)
    return session
