"""The retention forms fed hostile input (hypothesis): never a server error; either the page is shown again with
its error summary and nothing saved, or what was saved is whole."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.models import Message
from safeguarding.models import RecordType, RetentionReview, RetentionRule
from safeguarding.services import retention as services
from tests.conftest import give_recent_second_step
from tests.hostile.test_every_form import HOSTILE
from tests.safeguarding.factories_s3 import make_message

HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def state():
    return (
        list(RetentionRule.objects.order_by("pk").values_list("record_type", "months")),
        list(RetentionReview.objects.values_list("pk", flat=True)),
        list(Message.objects.order_by("pk").values_list("subject", "body", "address")),
    )


@pytest.fixture
def world(client, organisation, parent, safeguarding_lead):
    services.retention_rules_set(organisation=organisation, months={"messages": 24}, acting_user=safeguarding_lead)
    message = make_message(
        person=parent, organisation=organisation, key="old", created_at=timezone.now() - timedelta(days=1000)
    )
    give_recent_second_step(client, safeguarding_lead)
    return {"organisation": organisation, "message": message}


def post_and_check(client, url, data):
    with transaction.atomic():
        before = state()
        response = client.post(url, data)  # raises on a server error
        assert response.status_code in (200, 302, 400, 404), response.status_code  # 400: too big to read
        if response.status_code != 302:
            assert state() == before
            if response.status_code == 200:
                assert "There is a problem" in response.content.decode()
        else:
            for rule in RetentionRule.objects.all():
                rule.full_clean()
            for review in RetentionReview.objects.all():
                review.full_clean()
                assert "\x00" not in review.reason
        transaction.set_rollback(True)


@HYPOTHESIS
@given(data=st.data())
def test_the_periods_form_refuses_hostile_input_kindly(client, world, data):
    spoiled = data.draw(
        st.dictionaries(keys=st.sampled_from(RecordType.values), values=HOSTILE, min_size=1, max_size=3)
    )
    url = reverse("safeguarding:retention", args=[world["organisation"].pk])

    post_and_check(client, url, {"messages": "24", **spoiled})


@HYPOTHESIS
@given(data=st.data())
def test_the_review_form_refuses_hostile_input_kindly(client, world, data):
    spoiled = data.draw(
        st.dictionaries(
            keys=st.sampled_from(["record_type", "object_id", "decision", "reason"]),
            values=HOSTILE,
            min_size=1,
            max_size=3,
        )
    )
    url = reverse("safeguarding:retention_review", args=[world["organisation"].pk])
    ordinary = {"record_type": "messages", "object_id": world["message"].pk, "decision": "keep", "reason": "Needed."}

    post_and_check(client, url, {**ordinary, **spoiled})


@pytest.mark.parametrize("query", [{"record_type": "messages", "object_id": "²"}, {"object_id": "1" * 40}, {"x": "1"}])
def test_the_review_page_answers_odd_addresses_without_an_error(client, world, query):
    response = client.get(reverse("safeguarding:retention_review", args=[world["organisation"].pk]), query)

    assert response.status_code in (302, 404)
