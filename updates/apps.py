from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpdatesConfig(AppConfig):
    """News about a statement that editors write and send to the signers who asked for it."""

    name = "updates"
    verbose_name = _("Updates")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core import data_rights, periodic
        from signatures.models import Signature
        from updates import retention
        from updates.data_rights import UPDATE_MAILS
        from updates.models import Update, UpdateTranslation

        periodic.register("update_mails_removed", retention.remove_stale_update_mails)
        data_rights.register(UPDATE_MAILS)
        # Saves made in the admin (an update's text corrected after publishing) reach the
        # page cache here; the actions call statement_changed themselves.
        for model in (Update, UpdateTranslation):
            for signal in (post_save, post_delete):
                signal.connect(_update_saved, sender=model, dispatch_uid=f"updates-{model.__name__}")
        post_save.connect(_signature_saved, sender=Signature, dispatch_uid="updates-signature")


def _update_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    from statements.pages import statement_changed
    from updates.models import Update

    statement_id = instance.statement_id if isinstance(instance, Update) else (
        Update.objects.filter(pk=instance.update_id).values_list("statement_id", flat=True)
        .first())
    if statement_id is not None:
        statement_changed(statement_id)


def _signature_saved(sender: type, instance: Any, update_fields: Any = None, **kwargs: Any
                     ) -> None:
    """A withdrawn signature, or one whose signer took the consent back (on the manage page),
    loses the update mails still waiting for it at once (docs/updates.md). Confirmations and
    other saves that cannot change either are not looked at."""
    from signatures.models import Signature
    from updates.actions import forget_pending_mails

    gone = instance.status == Signature.Status.WITHDRAWN or not instance.email
    consent_taken_back = not instance.wants_news and (
        update_fields is None or "wants_news" in update_fields)
    if gone or consent_taken_back:
        forget_pending_mails(instance.pk)
