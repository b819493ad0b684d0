from django.contrib import admin
from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("two-factor/", admin.site.admin_view(views.two_factor), name="two-factor"),
    path("two-factor/recovery-codes/", admin.site.admin_view(views.recovery_codes),
         name="recovery-codes"),
]
