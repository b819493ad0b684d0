from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as OTPStaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as OTPTOTPConfig
from django_tasks_db.apps import TasksAppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Editor accounts")


# The admin names apps for editors, not after the libraries behind them ("OTP_TOTP", "Tasks
# Database Backend"): the same apps, labels and tables, only their names in the admin change.
class TwoFactorDevicesConfig(OTPTOTPConfig):
    verbose_name = _("Two-factor devices")


class RecoveryCodesConfig(OTPStaticConfig):
    verbose_name = _("Two-factor recovery codes")


class BackgroundTasksConfig(TasksAppConfig):
    # The library declares a plain str; a lazy one is what AppConfig takes (translated names).
    verbose_name = _("Mail and background tasks")  # type: ignore[assignment]
