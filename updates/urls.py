from django.urls import URLPattern, URLResolver, path

from updates import views

app_name = "updates"
urlpatterns: list[URLPattern | URLResolver] = [
    path("news/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
