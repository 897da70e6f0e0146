"""Migration 0003: messages the sweep marked "failed" because their worker stopped mid-send become "unknown"
(not known if sent); real failures stay failed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0002_log_of_its_own")]
AFTER = [("notifications", "0003_unknown_outcome_and_fanouts")]
STUCK = "The worker stopped while sending. Not re-sent, to avoid a duplicate."


@pytest.mark.django_db(transaction=True)
def test_stuck_failures_become_unknown_and_real_failures_stay_failed(make_user):
    person = make_user(email="someone@example.test")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        Message = executor.loader.project_state(BEFORE).apps.get_model("notifications", "Message")
        stuck = Message.objects.create(
            person_id=person.pk, channel="email", kind="chaser", key="a", status="failed", error=STUCK
        )
        refused = Message.objects.create(
            person_id=person.pk, channel="email", kind="chaser", key="b", status="failed", error="Mailbox full"
        )

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)

        Message = executor.loader.project_state(AFTER).apps.get_model("notifications", "Message")
        stuck, refused = Message.objects.get(pk=stuck.pk), Message.objects.get(pk=refused.pk)
        assert stuck.status == "unknown"
        assert "may or may not have gone" in stuck.error
        assert (refused.status, refused.error) == ("failed", "Mailbox full")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
