from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("privacy/", views.policy, name="policy"),
    path("privacy/your-data/", views.request_link, name="request-link"),
    path("privacy/your-data/<str:token>/", views.your_data, name="your-data"),
]
