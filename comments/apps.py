from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from comments import retention
        from comments.data_rights import COMMENTS
        from comments.models import Ban
        from comments.rules import bans_changed
        from core import data_rights, periodic

        post_save.connect(bans_changed, sender=Ban, dispatch_uid="comment-bans-saved")
        post_delete.connect(bans_changed, sender=Ban, dispatch_uid="comment-bans-deleted")
        periodic.register("ip_hashes_erased", retention.erase_old_ip_hashes)
        periodic.register("archived_emails_erased", retention.erase_emails_of_archived)
        periodic.register("digests_sent", retention.send_digest)
        data_rights.register(COMMENTS)
