"""The admin site lists every sessions model for staff, and keeps logs written by the checks read-only."""

import pytest
from django.contrib import admin
from django.urls import reverse

from sessions_app.models import Message


@pytest.fixture
def staff_client(client, make_user):
    user = make_user(email="root@example.test", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label == "sessions_app"], ids=lambda m: m.__name__
)
def test_every_sessions_model_lists_for_staff(staff_client, model, group_with_members):
    url = reverse(f"admin:sessions_app_{model._meta.model_name}_changelist")
    assert staff_client.get(url).status_code == 200


def test_the_message_log_cannot_be_added_to_by_hand(staff_client):
    assert staff_client.get(reverse("admin:sessions_app_message_add")).status_code == 403
    assert admin.site._registry[Message].has_change_permission(request=None) is False


def test_a_facilitator_without_staff_access_cannot_open_the_message_log(client, facilitator):
    client.force_login(facilitator)
    response = client.get(reverse("admin:sessions_app_message_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
