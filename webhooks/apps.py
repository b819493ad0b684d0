from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Signed webhooks: events of the statements, signatures and comments, delivered by the
    durable task queue to the endpoints editors register (docs/webhooks.md)."""

    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from comments.signals import comment_published
        from core import periodic
        from signatures.signals import signature_confirmed, signature_withdrawn
        from statements.signals import statement_edited, statement_published
        from webhooks import events, retention, tasks

        for signal, receiver in ((signature_confirmed, events.on_signature_confirmed),
                                 (signature_withdrawn, events.on_signature_withdrawn),
                                 (comment_published, events.on_comment_published),
                                 (statement_published, events.on_statement_published),
                                 (statement_edited, events.on_statement_edited)):
            signal.connect(receiver, dispatch_uid=f"webhooks-{receiver.__name__}")
        periodic.register("webhook_deliveries_removed", retention.remove_old_deliveries)
        periodic.register("webhooks_woken", tasks.wake_if_due)
