"""The API's addresses under /api/v1/ (docs/api.md). The names are the contract between the
API's views, its representations and the webhooks' payloads."""

from django.urls import path, re_path

from api import helper, views

app_name = "api"
urlpatterns = [
    path("", views.entry_point, name="root"),
    path("openapi.json", views.openapi, name="openapi"),
    path("petitions", views.petitions, name="petitions"),
    path("petitions/<int:petition_id>", views.petition, name="petition"),
    path("petitions/<int:petition_id>/signatures", views.signatures, name="signatures"),
    path("petitions/<int:petition_id>/signatures/<int:signature_id>", views.signature,
         name="signature"),
    path("petitions/<int:petition_id>/record_signature_helper", helper.record_signature_helper,
         name="record-signature-helper"),
    path("people", views.people, name="people"),
    path("people/<int:person_id>", views.person, name="person"),
]
# Anything else under /api/v1/ is an osdi:error, not the site's HTML page.
urlpatterns.append(re_path(r"^", views.not_found))
