from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Signed webhooks: events of the statements, signatures and comments, delivered by the
    durable task queue to the endpoints editors register (docs/api.md, "Webhooks")."""

    name = "webhooks"
    verbose_name = _("Webhooks")
