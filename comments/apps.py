from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from comments.models import Ban
        from comments.rules import bans_changed

        post_save.connect(bans_changed, sender=Ban, dispatch_uid="comment-bans-saved")
        post_delete.connect(bans_changed, sender=Ban, dispatch_uid="comment-bans-deleted")
