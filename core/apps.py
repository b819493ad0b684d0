from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "undersigned"

    def ready(self) -> None:
        from core import pagecache
        from core.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
        # In every process (web, worker, import command): a statement saved anywhere is fresh
        # on the site at once.
        pagecache.connect_model_signals()
