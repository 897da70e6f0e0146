"""The message log moves to the `notifications` app, with its rows.

Here, while sessions_app still owns the table: each message about a session gets its topic
("sessions_app.session:<id>") and organisation from that session, the foreign key to Session goes, and the
model leaves sessions_app's state (the table stays). `notifications` 0001 then takes the table over as it is,
and its 0002 renames it to notifications_message. This migration runs before notifications 0001 (`run_before`),
so the lower app's migrations name nothing of sessions_app.
"""

from django.db import migrations, models

TOPIC = "sessions_app.session:"


def topics_from_sessions(apps, schema_editor):
    Message = apps.get_model("sessions_app", "Message")
    Session = apps.get_model("sessions_app", "Session")
    session_ids = Message.objects.exclude(session=None).values_list("session_id", flat=True).distinct()
    organisations = dict(
        Session.objects.filter(pk__in=list(session_ids)).values_list("pk", "group__organisation_id")
    )
    for session_id, organisation_id in organisations.items():
        Message.objects.filter(session_id=session_id).update(
            topic=f"{TOPIC}{session_id}", organisation_id=organisation_id
        )


def sessions_from_topics(apps, schema_editor):
    Message = apps.get_model("sessions_app", "Message")
    Session = apps.get_model("sessions_app", "Session")
    for message in Message.objects.filter(topic__startswith=TOPIC).only("pk", "topic"):
        session_id = int(message.topic.removeprefix(TOPIC))
        if Session.objects.filter(pk=session_id).exists():
            Message.objects.filter(pk=message.pk).update(session_id=session_id)


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0004_evidence_kept"),
    ]
    run_before = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="topic",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddField(
            model_name="message",
            name="organisation_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(topics_from_sessions, sessions_from_topics),
        migrations.RemoveField(model_name="message", name="session"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Message")],
            database_operations=[],
        ),
    ]
