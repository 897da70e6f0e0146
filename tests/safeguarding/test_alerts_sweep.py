"""Immediate-risk alerts when the broker is down (issue 13, item 2): the concern is saved all the same, and the
sweep (every minute, in the beat schedule) sends what was never queued, once. Urgent texts are not held back by
the quiet hours."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from notifications.models import Message
from safeguarding.models import Concern, ImmediateRiskAlert
from safeguarding.services import alerts
from safeguarding.services import grants as grant_services
from tests.safeguarding import factories_s1
from tests.safeguarding.factories_s1 import raise_concern

pytestmark = pytest.mark.django_db
second_lead, texts = factories_s1.second_lead, factories_s1.texts
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def broker_down(settings, monkeypatch):
    settings.MESSAGE_DELIVERY = "queue"
    tried = []

    def down(task, **kwargs):
        tried.append((task.name, kwargs))
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(alerts, "broker_publish", down)
    return tried


def test_the_sweep_is_in_the_beat_schedule_every_minute():
    [job] = [j for j in django_settings.CELERY_BEAT_SCHEDULE.values() if j["task"] == "safeguarding.tasks.alerts_sweep"]
    assert job["schedule"] == 60


def test_a_concern_raised_while_the_broker_is_down_is_saved_and_the_sweep_alerts_the_leads_once(
    settings,
    broker_down,
    group_with_members,
    parent,
    safeguarding_lead,
    second_lead,
    texts,
    django_capture_on_commit_callbacks,
):
    # when: raised while the broker is down
    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_concern(group_with_members.organisation, parent, immediate_risk=True)

    # then: saved, the task was tried once, nobody alerted yet
    assert Concern.objects.filter(pk=concern.pk).exists()
    assert broker_down == [("safeguarding.tasks.alert_leads", {"concern_id": concern.pk, "reason": "raised"})]
    assert not ImmediateRiskAlert.objects.exists()

    # when: the sweep runs (its messages delivered in this process)
    settings.MESSAGE_DELIVERY = "inline"
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        found = alerts.alerts_sweep()

    # then: each lead alerted
    assert found == 1
    assert set(ImmediateRiskAlert.objects.values_list("lead", flat=True)) == {safeguarding_lead.pk, second_lead.pk}
    assert sorted(m.to[0] for m in mail.outbox) == ["lee@example.test", "safe@example.test"]
    assert len(texts) == 1

    # when: it runs again
    with django_capture_on_commit_callbacks(execute=True):
        again = alerts.alerts_sweep()

    # then: nothing more
    assert again == 0
    assert Message.objects.filter(kind="safeguarding.urgent_concern").count() == 3
    assert len(mail.outbox) == 2


def test_the_sweep_looks_back_one_day_and_only_at_immediate_risk(
    broker_down, group_with_members, parent, safeguarding_lead, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now() - timedelta(days=1, minutes=5)):
        with django_capture_on_commit_callbacks(execute=True):
            raise_concern(group_with_members.organisation, parent, immediate_risk=True)
    raise_concern(group_with_members.organisation, parent, immediate_risk=False)
    handed = []

    assert alerts.alerts_sweep(alert=lambda concern_id, reason: handed.append((concern_id, reason))) == 0
    assert handed == []


def test_a_lead_who_joins_later_is_alerted_by_the_sweep_and_the_others_not_again(
    settings, group_with_members, parent, safeguarding_lead, make_user, grant, django_capture_on_commit_callbacks
):
    from groups.models import StaffRole

    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_concern(group_with_members.organisation, parent, immediate_risk=True)
    assert ImmediateRiskAlert.objects.count() == 1
    newcomer = grant(
        make_user(email="new-lead@example.test"), group_with_members.organisation, StaffRole.Role.SAFEGUARDING_LEAD
    )
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.alerts_sweep() == 1

    assert set(ImmediateRiskAlert.objects.filter(concern=concern).values_list("lead", flat=True)) == {
        safeguarding_lead.pk,
        newcomer.pk,
    }
    assert [m.to[0] for m in mail.outbox] == ["new-lead@example.test"]


def test_break_glass_while_the_broker_is_down_is_swept_too(
    settings,
    broker_down,
    group_with_members,
    facilitator,
    safeguarding_lead,
    django_capture_on_commit_callbacks,
):
    concern = raise_concern(group_with_members.organisation, facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_services.concern_break_glass(concern=concern, acting_user=facilitator, reason="Urgent.")
    assert broker_down[-1] == ("safeguarding.tasks.alert_leads", {"concern_id": concern.pk, "reason": "break_glass"})
    settings.MESSAGE_DELIVERY = "inline"

    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.alerts_sweep() == 1
        assert alerts.alerts_sweep() == 0

    [message] = Message.objects.filter(kind="safeguarding.break_glass")
    assert message.key == f"break-glass:{concern.pk}:{safeguarding_lead.pk}:{grant.pk}"
    assert message.status == "sent"


def test_an_urgent_text_is_not_held_by_the_quiet_hours(
    group_with_members, parent, second_lead, texts, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2031, 6, 10, 23, 30, tzinfo=LONDON)):
        with django_capture_on_commit_callbacks(execute=True):
            raise_concern(group_with_members.organisation, parent, immediate_risk=True)

    text = Message.objects.get(kind="safeguarding.urgent_concern", channel="text")
    assert text.status == "sent"
    assert [t["to"] for t in texts] == ["07700900123"]
