from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The OSDI-compatible API at /api/v1/: statements as petitions, their signatures, the
    sign-on helper, and the tokens editors give their integrations (docs/api.md)."""

    name = "api"
    verbose_name = _("API")
