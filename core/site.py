"""The coalition's own site: name, tagline, logo, accent colour, footer and contact address.

Editors set them in the admin (one ``SiteSettings`` record). Every page shows them, so reading
them must cost nothing per request: each process keeps a copy (``KeptCopy``) until the
settings' generation changes. Saving them (``do_save_site_settings``) bumps that generation and
the one every cached page depends on (``EVERY_PAGE_GENERATION_KEY``), so every page — cached
statement pages included — shows the change at once in this process and within a second in
the others. Without a record the site looks as it always has (``DEFAULTS``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from core import audit
from core.colours import rgb
from core.generations import EVERY_PAGE_GENERATION_KEY, KeptCopy, bump_generations
from core.images import open_upright, pillow

SITE_SETTINGS_GENERATION_KEY = "core:generation:site-settings"
# The logo is shown at most this high (site.css); stored at twice that for sharp screens.
LOGO_HEIGHT = 96
LOGO_MAX_WIDTH = 480


@dataclass(frozen=True)
class SiteIdentity:
    name: str = "undersigned"
    tagline: str = ""
    logo: str = ""  # a name in the media storage
    logo_width: int = 0
    logo_height: int = 0
    accent: str = "#8a1c1c"
    footer_text: str = ""
    contact_email: str = ""

    @property
    def logo_url(self) -> str:
        return default_storage.url(self.logo) if self.logo else ""

    @property
    def accent_is_default(self) -> bool:
        return self.accent.lower() == DEFAULTS.accent

    @property
    def accent_hex(self) -> str:
        return self.accent.lstrip("#")

    @property
    def accent_dark(self) -> str:
        """The hover shade of the accent: a quarter darker, as site.css's default pair."""
        red, green, blue = rgb(self.accent)
        return "#{:02x}{:02x}{:02x}".format(*(round(c * 255 * 0.77) for c in (red, green, blue)))


DEFAULTS = SiteIdentity()


def store_logo(data: bytes) -> tuple[str, int, int]:
    """Check and re-encode an uploaded logo (metadata dropped, at most LOGO_HEIGHT high);
    returns its stored name, width and height. Raises ValidationError for a bad image."""
    image = open_upright(data)
    image.thumbnail((LOGO_MAX_WIDTH, LOGO_HEIGHT), pillow().Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=90, method=4)
    name = default_storage.save("images/logo.webp", ContentFile(buffer.getvalue()))
    return name, image.width, image.height


def _load() -> SiteIdentity:
    from core.models import SiteSettings

    record = SiteSettings.objects.filter(pk=1).first()
    if record is None:
        return DEFAULTS
    return SiteIdentity(name=record.name, tagline=record.tagline, logo=record.logo,
                        logo_width=record.logo_width, logo_height=record.logo_height,
                        accent=record.accent.lower(), footer_text=record.footer_text,
                        contact_email=record.contact_email)


_kept = KeptCopy((SITE_SETTINGS_GENERATION_KEY,), _load)


def current() -> SiteIdentity:
    """The site's identity as this process keeps it (no query unless it changed)."""
    return _kept.get()


def site_name() -> str:
    return current().name


def do_save_site_settings(actor: Any, record: Any, changed: list[str]) -> None:
    """Save the site settings (pk 1), log who changed what, and refresh every cached page."""
    record.pk = 1
    with transaction.atomic():
        record.save()
        audit.record(actor, "site.settings.change", record, changed=sorted(changed))
        site_settings_changed()


def site_settings_changed() -> None:
    """Every process's copy and every cached page are stale (one write of the shared cache)."""
    bump_generations(SITE_SETTINGS_GENERATION_KEY, EVERY_PAGE_GENERATION_KEY)
