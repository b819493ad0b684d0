from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReachConfig(AppConfig):
    """How a statement travels beyond its page: share cards, feeds, the sitemap, embeds."""

    name = "reach"
    verbose_name = _("Reach")
