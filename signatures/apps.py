from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignaturesConfig(AppConfig):
    name = "signatures"
    verbose_name = _("Sign-ons")

    def ready(self) -> None:
        from core import data_rights, periodic
        from signatures import actions, retention
        from signatures.data_rights import SIGNATURES

        periodic.register("ip_hashes_erased", retention.erase_old_ip_hashes)
        periodic.register("unconfirmed_expired", actions.expire_unconfirmed)
        periodic.register("archived_emails_erased", retention.erase_emails_of_archived)
        data_rights.register(SIGNATURES)
