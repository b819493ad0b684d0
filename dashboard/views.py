"""The editors' dashboard of a statement (under /admin/: signed in, two-factor enforced by
accounts.middleware, never cached)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from dashboard import drawing
from dashboard.figures import figures
from signatures.models import Signature
from statements.models import Statement

# Who may see the figures: whoever may edit statements (the editor role).
PERMISSION = "statements.change_statement"


def _admin_context(request: HttpRequest) -> dict[str, Any]:
    """What the admin's base template needs, as ``admin.site.each_context`` gives it, without
    the list of every app and model for the navigation sidebar (the page has breadcrumbs):
    building that list checks each model's permissions, a third of the page's time."""
    site = admin.site
    return {"site_title": site.site_title, "site_header": site.site_header,
            "site_url": site.site_url, "has_permission": site.has_permission(request),
            "available_apps": [], "is_popup": False, "is_nav_sidebar_enabled": False}


@require_safe
def statement_dashboard(request: HttpRequest, statement_id: int) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    statement = get_object_or_404(Statement, pk=statement_id)
    found = figures(statement)
    queue = reverse("admin:signatures_signature_changelist")
    held = [(Signature.Kind(kind).label, number,
             f"{queue}?statement={statement.pk}&status=held&kind__exact={kind}")
            for kind, number in found.held_signatures.items()]
    comments_queue = (reverse("admin:comments_comment_changelist")
                      + f"?status__exact=held&statement__id__exact={statement.pk}")
    title = gettext("Dashboard: %(title)s") % {"title": statement.title}
    return TemplateResponse(request, "dashboard/statement.html", {
        **_admin_context(request), "title": title, "statement": statement,
        "figures": found, "charts": drawing.charts(found), "held": held,
        "comments_queue": comments_queue,
        "rate": drawing.percent(found.confirmed, found.received)})
