"""``{% data_rights_url email %}`` for mail templates: the link to see and erase what we hold."""

from django import template

from privacy.links import data_rights_url as _data_rights_url

register = template.Library()


@register.simple_tag
def data_rights_url(email: str, record: object | None = None) -> str:
    """``{% data_rights_url signature.email signature %}`` (the record saves a lookup)."""
    return _data_rights_url(email, record=record)
