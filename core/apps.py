from django.apps import AppConfig
from django.core.signals import setting_changed
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Site")

    def ready(self) -> None:
        from core.generations import settings_changed
        from core.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
        setting_changed.connect(settings_changed, dispatch_uid="generations-settings")
