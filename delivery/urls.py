from django.urls import URLPattern, URLResolver, path

from delivery import views

app_name = "delivery"
urlpatterns: list[URLPattern | URLResolver] = [
    path("handover/<str:slug>/", views.print_list, name="print"),
    path("handover/<str:slug>/pdf/", views.print_pdf, name="pdf"),
    path("deliveries/<str:slug>/", views.deliveries, name="deliveries"),
    path("deliveries/<str:slug>/check/", views.check, name="check"),
]
