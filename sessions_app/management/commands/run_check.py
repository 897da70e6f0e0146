"""Run any scheduled check now, e.g. `python manage.py run_check quorum --session 12 --hours 24`."""

from django.core.management.base import BaseCommand, CommandError

from notifications import services as messaging
from sessions_app import checks
from sessions_app.models import Session


class Command(BaseCommand):
    help = (
        "Run a scheduled check now: reminders, quorum (all meetings, or one with --session), facilitators, "
        "support digests, messages."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "check", choices=["reminders", "quorum", "quorum-record", "facilitators", "support-digests", "messages"]
        )
        parser.add_argument("--session", type=int, help="Only this session (quorum, quorum-record)")
        parser.add_argument(
            "--hours",
            type=int,
            choices=checks.QUORUM_CHECK_HOURS,
            default=24,
            help="Which quorum check point to record for --session (default 24)",
        )

    def handle(self, *args, check, session=None, hours=24, **options):
        target = None
        if session is not None:
            target = Session.objects.select_related("group").filter(pk=session).first()
            if target is None:
                raise CommandError(f"There is no session {session}.")
        if check == "reminders":
            run = checks.reminders_run()
            self.stdout.write(f"Chasers: {run.chasers}, reminders: {run.reminders}, follow-ups: {run.follow_ups}")
        elif check == "quorum" and target:
            picture = checks.quorum_picture(session=target)
            result = checks.quorum_check(session=target, hours_before=hours)
            self.stdout.write(
                f"{target}: {picture.expected} of {picture.required} parents said yes ({picture.status}); "
                f"not answered: {', '.join(p.display_name for p in picture.parents_not_answered) or 'nobody'}"
                + ("" if result else " (no check recorded: not a published future meeting with a quorum rule)")
            )
        elif check == "quorum":
            done = checks.quorum_checks_run()
            self.stdout.write(f"Quorum checks recorded: {len(done)}")
        elif check == "quorum-record":
            if not target:
                self.stdout.write(f"Meetings recorded: {checks.quorum_records_run()}")
            else:
                from sessions_app.services import quorum_record

                record = quorum_record(session=target)
                self.stdout.write(str(record) if record else "This group has no quorum rule.")
        elif check == "support-digests":
            self.stdout.write(f"Digests sent: {checks.support_digests_run()}")
        elif check == "facilitators":
            self.stdout.write(f"New alerts: {len(checks.facilitator_watch_run())}")
        else:
            messaging.messages_sweep_stuck()
            # fan-outs (a publish's or a cancellation's messages) the broker never received
            for fanout_id in messaging.fanouts_due():
                messaging.fanout_run(fanout_id=fanout_id)
            sent = retrying = 0
            for message_id in messaging.messages_due():
                # One failing message must not stop the rest; it stays pending with a backoff, as in the task.
                try:
                    sent += messaging.message_deliver(message_id=message_id) == "sent"
                except messaging.DeliveryFailed:
                    retrying += 1
            self.stdout.write(
                f"Messages delivered now: {sent}" + (f"; failed, to retry: {retrying}" if retrying else "")
            )
