from django.urls import path

from comments import views

app_name = "comments"
urlpatterns = [
    path("comments/<int:statement_id>/", views.form, name="form"),
    path("comments/c/<int:comment_id>/", views.permalink, name="permalink"),
    path("comments/c/<int:comment_id>/yours/", views.yours, name="yours"),
    path("comments/c/<int:comment_id>/edit/", views.edit, name="edit"),
    path("comments/c/<int:comment_id>/delete/", views.delete, name="delete"),
    path("comments/remove/<str:token>/", views.remove, name="remove"),
    path("comments/confirm/<str:token>/", views.confirm, name="confirm"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
