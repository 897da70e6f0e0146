"""The audit and access trails: written inside the caller's transaction, never changed or deleted."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import access_record, audit_record, reset_request_ip, set_request_ip
from core.models import AccessEvent, AppendOnlyError, AuditEvent


@pytest.fixture
def actor(make_user):
    return make_user(email="actor@example.test", full_name="Ada Actor")


def test_records_actor_object_organisation_and_facts(actor, organisation):
    event = audit_record(action="organisation.renamed", actor=actor, obj=organisation, data={"from": "Old"})

    event.refresh_from_db()
    assert event.actor == actor
    assert event.action == "organisation.renamed"
    assert event.object_type == "groups.organisation"
    assert event.object_id == str(organisation.pk)
    assert event.data == {"from": "Old"}
    # Organisation has no organisation_id of its own, so it is given explicitly when it matters
    assert event.organisation_id is None


def test_organisation_taken_from_the_object(actor, organisation):
    from groups.models import Group

    group = Group.objects.create(organisation=organisation, name="Steering", kind="steering", purpose="To steer")
    event = audit_record(action="group.created", actor=actor, obj=group)
    assert event.organisation_id == organisation.pk


def test_scheduled_job_is_named_when_there_is_no_person(organisation):
    event = audit_record(action="quorum.recorded", actor_label="job:record-quorums", organisation_id=organisation.pk)
    assert event.actor is None
    assert event.actor_display == "job:record-quorums"


def test_action_must_be_a_stable_dotted_name(actor):
    with pytest.raises(ValueError):
        audit_record(action="did something", actor=actor)


def test_request_address_recorded_when_known(actor):
    token = set_request_ip("203.0.113.9")
    try:
        event = audit_record(action="thing.done", actor=actor)
    finally:
        reset_request_ip(token)
    assert event.ip_address == "203.0.113.9"
    assert audit_record(action="thing.done", actor=actor).ip_address is None


def test_rolled_back_change_leaves_no_event(actor):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="thing.done", actor=actor)
        raise RuntimeError("the service failed after recording")
    assert not AuditEvent.objects.filter(action="thing.done").exists()


@pytest.mark.parametrize("model", [AuditEvent, AccessEvent])
def test_the_app_cannot_change_or_delete_an_entry(actor, model):
    if model is AuditEvent:
        entry = audit_record(action="thing.done", actor=actor)
    else:
        entry = access_record(kind="view", actor=actor, object_type="safeguarding.concern", object_id="1")
    entry.data = {"changed": True}
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=entry.pk).update(data={})
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=entry.pk).delete()


@pytest.mark.parametrize("table", ["core_auditevent", "core_accessevent"])
def test_the_database_refuses_raw_changes(actor, table):
    audit_record(action="thing.done", actor=actor)
    access_record(kind="view", actor=actor, object_type="x.y", object_id="1")
    # the table name comes from the fixed list above, not from input
    for sql in (f"UPDATE {table} SET object_id = 'x'", f"DELETE FROM {table}"):  # noqa: S608
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def test_access_kinds_are_checked(actor):
    with pytest.raises(ValueError):
        access_record(kind="peeked", actor=actor, object_type="x.y", object_id="1")
    refused = access_record(kind="refused", actor=actor, object_type="safeguarding.concern", object_id="99")
    assert refused.get_kind_display() == "Refused"


def test_admin_shows_trails_read_only(client, make_user):
    operator = make_user(email="operator@example.test", is_staff=True, is_superuser=True)
    audit_record(action="thing.done", actor=operator)
    client.force_login(operator)
    listing = client.get("/admin/core/auditevent/")
    assert listing.status_code == 200
    assert b"thing.done" in listing.content
    event = AuditEvent.objects.get(action="thing.done")
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert client.get("/admin/core/auditevent/add/").status_code == 403


def test_a_person_is_named_by_number_so_the_trail_holds_nothing_to_erase(actor, organisation):
    event = audit_record(action="profile.updated", actor=actor, obj=actor)
    assert event.object_repr == f"Person {actor.pk}"
    assert "Ada" not in event.object_repr and "@" not in event.object_repr
    assert audit_record(action="organisation.renamed", actor=actor, obj=organisation).object_repr == organisation.name
