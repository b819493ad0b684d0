from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.translation import get_language, get_language_info, override

register = template.Library()


@register.simple_tag(takes_context=True)
def interface_languages(context: template.Context) -> list[dict[str, str | bool]]:
    """The interface languages, each with the current page's URL in that language."""
    request = context.get("request")
    path = request.path if request else ""
    current = get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        url = translate_url(path, code) if path else ""
        if not url or url == path and code != current:
            with override(code):
                url = reverse("statements:home")
        links.append({"code": code, "name": get_language_info(code)["name_local"],
                      "url": url, "current": code == current})
    return links
