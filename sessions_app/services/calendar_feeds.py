"""A person's private calendar address (a secret token), and replacing it when it has been shared by mistake."""

import secrets

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from groups.models import User

from ..models import CalendarFeed


@transaction.atomic
def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    """One private calendar address per person, made the first time they ask for it."""
    feed, created = CalendarFeed.objects.get_or_create(user=user, defaults={"token": secrets.token_urlsafe(32)})
    if created:
        audit_record(action="calendar_feed.created", actor=user, obj=feed)
    return feed


@transaction.atomic
def calendar_feed_renew(*, user: User) -> CalendarFeed:
    """Revokes the old private address by replacing its token."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return calendar_feed_get_or_create(user=user)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    audit_record(action="calendar_feed.renewed", actor=user, obj=feed)
    return feed
