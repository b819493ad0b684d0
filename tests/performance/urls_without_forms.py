"""A URLconf without the public forms (test_public_form_handler: a new URLconf is obeyed)."""

from django.urls import path

from core import views

urlpatterns = [path("healthz", views.healthz)]
