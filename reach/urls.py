"""Addresses in the visitor's language (under the /<language>/ prefix)."""

from django.urls import URLPattern, path

from reach import views

app_name = "reach"
urlpatterns: list[URLPattern] = [
    path("feeds/", views.feed, name="feed"),
    path("feeds/<str:slug>/", views.statement_feed, name="statement-feed"),
    path("embed/<str:slug>/", views.embed, name="embed"),
    path("embed/<str:slug>/badge.svg", views.badge, name="badge"),

    path("share/<str:slug>/<str:language>.png", views.share_image, name="share-image"),
    path("share/<str:slug>/<str:language>/mastodon/", views.mastodon, name="mastodon"),
]
