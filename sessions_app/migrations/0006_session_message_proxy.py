"""sessions_app reads the message log (now notifications.Message) through a proxy that knows its session."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_log_of_its_own"),
        ("sessions_app", "0005_message_moved_to_notifications"),
    ]

    operations = [
        migrations.CreateModel(
            name="Message",
            fields=[],
            options={
                "verbose_name": "message about a session",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("notifications.message",),
        ),
    ]
