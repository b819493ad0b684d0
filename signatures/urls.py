from django.urls import path

from signatures import views

app_name = "signatures"
urlpatterns = [
    path("sign/<str:slug>/", views.sign, name="sign"),
    path("sign/<str:slug>/sent/", views.sent, name="sent"),
    path("sign/<str:slug>/resend/", views.resend, name="resend"),
    path("signatories/<str:slug>/", views.signatories, name="list"),
    path("signature/confirm/<str:token>/", views.confirm, name="confirm"),
    path("signature/manage/<str:token>/", views.manage, name="manage"),
]
