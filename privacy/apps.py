from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from core.mail import add_footer
        from privacy.links import mail_footer

        # Every mail to a signer or commenter ends with the link to see or erase their data.
        add_footer(mail_footer)
