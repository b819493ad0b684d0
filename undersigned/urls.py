from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from accounts import views as account_views
from core import proof_of_work
from core import views as core_views
from statements import views as statement_views

urlpatterns = [
    path("", statement_views.home, name="home-negotiated"),
    # Editors sign in through accounts (throttled, with two-factor), not the admin's own view.
    path("admin/login/", account_views.login, name="login"),
    path("admin/account/", include("accounts.urls")),
    path("admin/dashboard/", include("dashboard.admin_urls")),
    path("admin/", admin.site.urls),
    re_path(r"^media/(?P<path>.+)$", core_views.media, name="media"),
    re_path(r"^theme/(?P<accent>[0-9a-fA-F]{6})\.css$", core_views.theme, name="theme"),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", include("api.urls")),
    path("pow/challenge", proof_of_work.challenge, name="pow-challenge"),
    path("", include("reach.root_urls")),
]
urlpatterns += i18n_patterns(
    path("", include("statements.urls")),
    path("", include("signatures.urls")),
    path("", include("comments.urls")),
    path("", include("updates.urls")),
    path("", include("delivery.urls")),
    path("", include("dashboard.urls")),
    path("", include("privacy.urls")),
    path("", include("reach.urls")),
    prefix_default_language=True,
)

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
handler400 = "core.views.bad_request"
handler403 = "core.views.forbidden"

