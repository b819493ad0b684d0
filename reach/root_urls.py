"""Addresses outside the language prefix: those crawlers and partner sites expect at fixed places."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
