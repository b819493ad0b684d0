"""Addresses in the visitor's language (under the /<language>/ prefix)."""

from django.urls import URLPattern

app_name = "reach"
urlpatterns: list[URLPattern] = []
