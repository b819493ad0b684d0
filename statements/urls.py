from django.urls import path

from statements import views

app_name = "statements"
urlpatterns = [
    path("", views.home, name="home"),
    path("s/<str:slug>/", views.detail, name="detail"),
    # Before detail-version, which would read "history" as a language.
    path("s/<str:slug>/history/", views.history, name="history"),
    path("s/<str:slug>/history/<str:language>/", views.history, name="history-version"),
    path("s/<str:slug>/<str:language>/", views.detail_version, name="detail-version"),
    path("category/<str:slug>/", views.category, name="category"),
    path("organisation/<str:slug>/", views.organisation, name="organisation"),
]
