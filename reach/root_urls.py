"""Addresses outside the language prefix: those crawlers and partner sites expect at fixed places."""

from django.urls import URLPattern, path

from reach import views

urlpatterns: list[URLPattern] = [
    path("sitemap.xml", views.sitemap, name="reach-sitemap"),
    path("robots.txt", views.robots, name="reach-robots"),
    # The statement's own language: what partners paste when they do not choose one.
    path("embed/<str:slug>/", views.embed_home_language, name="reach-embed"),
    path("embed/<str:slug>/badge.svg", views.badge_home_language, name="reach-badge"),
    path("embed/<str:slug>/count.json", views.count, name="reach-count"),
]
