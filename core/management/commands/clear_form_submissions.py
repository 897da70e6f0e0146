"""Forgets form tokens older than a day (or --hours): what the hourly beat job does, on demand."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from core.idempotency import form_submissions_clear


class Command(BaseCommand):
    help = "Forget form tokens (double-click protection) older than a day, or than --hours."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="forget tokens older than this (default 24)")

    def handle(self, *args, hours, **options):
        cleared = form_submissions_clear(older_than=timedelta(hours=max(hours, 1)))
        self.stdout.write(f"Cleared {cleared} form token{'s' if cleared != 1 else ''}.")
