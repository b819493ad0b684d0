"""The dashboard's address under /admin/ (undersigned/urls.py), where the admin's sign-in and
two-factor rules apply."""

from django.contrib import admin
from django.urls import URLPattern, path

from dashboard import views

app_name = "dashboard"
urlpatterns: list[URLPattern] = [
    path("<int:statement_id>/", admin.site.admin_view(views.statement_dashboard),
         name="statement"),
]
