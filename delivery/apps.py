from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    """The list to hand over (printable page, PDF, CSV) and the record of each delivery."""

    name = "delivery"
    verbose_name = _("Delivery")
