"""The project's URLs plus a view that fails, to see the 500 page a visitor would get."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from undersigned.urls import handler400, handler403, handler404, handler500  # noqa: F401
from undersigned.urls import urlpatterns as project_urlpatterns


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("database on fire: user@example.org 203.0.113.9")


urlpatterns = [path("explode/", explode), *project_urlpatterns]
