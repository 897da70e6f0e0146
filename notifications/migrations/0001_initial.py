"""Takes over the message log table that sessions_app created (sessions_app_message), as it is after
sessions_app 0005 (topic and organisation filled in, the session key gone): state only, no change to the
database. 0002 renames it and makes the changes."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Message",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("channel", models.CharField(choices=[("email", "Email"), ("text", "Text message")], max_length=5)),
                        ("kind", models.CharField(max_length=20)),
                        (
                            "key",
                            models.CharField(
                                help_text="What makes this message unique for this person and channel.", max_length=120
                            ),
                        ),
                        ("subject", models.CharField(blank=True, max_length=200)),
                        ("body", models.TextField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to send"),
                                    ("held", "Held until morning (quiet hours)"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=8,
                            ),
                        ),
                        ("send_after", models.DateTimeField(default=django.utils.timezone.now)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("error", models.TextField(blank=True)),
                        (
                            "person",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="messages_received",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        ("topic", models.CharField(blank=True, default="", max_length=100)),
                        ("organisation_id", models.BigIntegerField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "sessions_app_message",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(fields=["status", "send_after"], name="sessions_ap_status_d1afde_idx"),
                            models.Index(fields=["person", "-created_at"], name="sessions_ap_person__8ff33a_idx"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("person", "channel", "key"), name="message_once_per_person_channel_key"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("channel__in", ["email", "text"])), name="message_known_channel"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("status__in", ["pending", "held", "sending", "sent", "failed"])),
                                name="message_known_status",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("status", "sent"), _negated=True),
                                    ("sent_at__isnull", False),
                                    _connector="OR",
                                ),
                                name="message_sent_has_time",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
