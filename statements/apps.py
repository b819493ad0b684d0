from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    name = "statements"
    verbose_name = _("Statements")

    def ready(self) -> None:
        from core import periodic
        from core.roles import ensure_role_groups
        from statements import actions, models, pages

        # On a fresh database, each app's permissions are created by its own post_migrate
        # signal, after the handlers of the apps listed before it; granting them to the role
        # groups on every app's signal means the editor group is complete after the first
        # migrate, not only after the second.
        post_migrate.connect(ensure_role_groups, dispatch_uid="statements-role-groups")
        # In every process (web, worker, import command): a statement saved anywhere is fresh
        # on the site at once.
        pages.connect_model_signals(
            (models.Statement, models.Translation, models.StatementIssuer, models.StatementImage,
             models.ImageText),
            shared=(models.Organisation, models.Category, models.CategoryName))
        periodic.register("surge_pages_refreshed", actions.refresh_ended_surges)
