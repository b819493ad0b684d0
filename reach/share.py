"""Sharing a statement: the text people send, the plain links that send it, and the check of
the Mastodon server a visitor names.

Only links: no script, no button or counter of another site, no image from one. Each link
carries the statement's own URL and the text its editors wrote for that language (or, when
they wrote none, the title and the URL), nothing about who shares it.

Signal has no link that opens it with a prepared message (its ``signal.me`` links open a
chat with a person or a group, not a draft): a signer copies the text instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from statements.models import Statement, Translation

# A label of a host name (RFC 1123) once in ASCII: letters, digits, inner hyphens.
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAX_HOST_LENGTH = 253
# Longer input is refused before any work on it.
MAX_INSTANCE_INPUT = 300


@dataclass(frozen=True)
class ShareLink:
    service: str  # a brand name, or "Email" in the interface language
    url: str


@dataclass(frozen=True)
class Share:
    """What a share block shows for one language version of a statement."""

    statement_url: str  # absolute
    title: str
    text: str  # the message without the URL
    message: str  # the message with the URL: what the copy field and most links send
    links: tuple[ShareLink, ...]
    language: str  # the version's language (the Mastodon form's address names it)


def absolute_statement_url(statement: Statement, language: str) -> str:
    """The statement's page in ``language``: under that interface language when the site
    speaks it, otherwise the version's own address under the current interface language."""
    if language in dict(settings.LANGUAGES):
        with override(language):
            path = reverse("statements:detail", args=[statement.slug])
    elif language == statement.language:
        path = reverse("statements:detail", args=[statement.slug])
    else:
        path = reverse("statements:detail-version", args=[statement.slug, language])
    return settings.BASE_URL + path


def share_text(version: Statement | Translation) -> str:
    """The editors' text for this version, or the title in a sentence of the interface
    language."""
    if version.share_text.strip():
        return version.share_text.strip()
    return _("“%(title)s” — read it and sign:") % {"title": version.title}


def with_url(text: str, url: str) -> str:
    return text if url in text else f"{text} {url}"


def _q(value: str) -> str:
    return quote(value, safe="")


def share_links(title: str, text: str, url: str) -> tuple[ShareLink, ...]:
    message = with_url(text, url)
    return (
        ShareLink(_("Email"), f"mailto:?subject={_q(title)}&body={_q(message)}"),
        ShareLink("WhatsApp", f"https://wa.me/?text={_q(message)}"),
        ShareLink("Telegram", f"https://t.me/share/url?url={_q(url)}&text={_q(text)}"),
        ShareLink("Bluesky", f"https://bsky.app/intent/compose?text={_q(message)}"),
    )


def share_for(statement: Statement, language: str) -> Share:
    """The share block for the version a reader of ``language`` sees."""
    version = statement.version_for(language)
    url = absolute_statement_url(statement, version.language)
    text = share_text(version)
    return Share(statement_url=url, title=version.title, text=text,
                 message=with_url(text, url), links=share_links(version.title, text, url),
                 language=version.language)


def mastodon_share_url(host: str, message: str) -> str:
    return f"https://{host}/share?text={_q(message)}"


class BadInstance(ValueError):
    """Why a named Mastodon server was refused, in words for the visitor."""


def mastodon_host(value: str) -> str:
    """The host name of the Mastodon server a visitor typed, in ASCII (IDNA), or BadInstance.

    Only a bare domain name: no scheme, path, user, port, address or single label, so that the
    redirect can only go to ``https://<a domain>/share``."""
    value = value.strip()
    if not value:
        raise BadInstance(_("Please enter the address of your Mastodon server, such as "
                            "mastodon.social."))
    if len(value) > MAX_INSTANCE_INPUT:
        raise BadInstance(_("This is far too long for a server's name."))
    if any(mark in value for mark in "/\\@:?#%[] \t\r\n") or not value.isprintable():
        raise BadInstance(_("Please enter only the server's name, such as mastodon.social: "
                            "without https://, a path, a port or your @name."))
    host = value.rstrip(".").lower()
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadInstance(_("“%(value)s” is not a valid server name.")
                          % {"value": value}) from None
    labels = ascii_host.split(".")
    if (len(ascii_host) > MAX_HOST_LENGTH or len(labels) < 2
            or not all(_LABEL.fullmatch(label) for label in labels)
            or labels[-1].isdigit()):
        raise BadInstance(_("“%(value)s” is not a valid server name.") % {"value": value})
    return ascii_host
