from django.conf import settings
from django.http import HttpRequest

from core import site as site_settings


def site(request: HttpRequest) -> dict:
    """What every page shows of the site: its identity (``core.site``, a per-process copy) and
    the time zone its times are given in."""
    identity = site_settings.current()
    return {"BASE_URL": settings.BASE_URL, "SITE": identity, "SITE_NAME": identity.name,
            "SITE_TIME_ZONE": settings.TIME_ZONE}
