from typing import Any

from django.core.management.base import BaseCommand

from comments.actions import send_moderation_digest


class Command(BaseCommand):
    help = "Queue the moderators' digest of held comments (only when new ones arrived)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_moderation_digest()
        self.stdout.write(f"{sent} digest mail(s) queued.")
