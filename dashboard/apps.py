from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The editors' view of a statement: sign-ons over time, by kind, country and language."""

    name = "dashboard"
    verbose_name = _("Dashboard")
