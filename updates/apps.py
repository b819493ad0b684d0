from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpdatesConfig(AppConfig):
    """News about a statement that editors write and send to the signers who asked for it."""

    name = "updates"
    verbose_name = _("Updates")
