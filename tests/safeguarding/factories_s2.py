"""Builders for the safety plan, consent, duty and escalation tests. Data goes through the services."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from groups import services as group_services
from groups.models import Membership
from safeguarding.services import plans as plan_services
from tests.sessions_app.factories import plan_session

LONDON = ZoneInfo("Europe/London")


def write_plan(person, **answers):
    values = {"upsets_me": "", "signs": "", "helps": "", "contacts": "", "wishes": ""}
    values.update(answers)
    return plan_services.safety_plan_save(person=person, acting_user=person, **values)


def share_plan(person, group):
    return plan_services.safety_plan_share(person=person, acting_user=person, group=group)


def add_member(group, person, acting_user, role=Membership.Role.PARENT):
    group_services.membership_add(group=group, user=person, role=role, acting_user=acting_user)
    return person


def session_of(group, lead, support, *, planned_at: datetime, starts_at: datetime, **fields):
    with time_machine.travel(planned_at, tick=False):
        return plan_session(group, lead, support, starts_at=starts_at, **fields)


def safeguarding_rows() -> dict[str, int]:
    """How many rows each safeguarding model holds: a refused form must leave every count as it was."""
    from django.apps import apps

    return {m._meta.label_lower: m.objects.count() for m in apps.get_app_config("safeguarding").get_models()}
