"""Public pages of statements. Every anonymous visitor gets the same bytes for the same URL."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language, override
from django.views.decorators.http import require_safe

from core.responses import private
from pages.decorators import cached_page
from pages.store import declare_query
from statements import pages
from statements.history import history_page
from statements.models import Category, Organisation, Revision, Statement, Translation

UI_LANGUAGES = dict(settings.LANGUAGES)


@dataclass(frozen=True)
class Version:
    """One language version of a statement as the page shows it."""

    language: str
    title: str
    summary: str
    body_html: str
    direction: str
    kind: str  # "canonical", "official" or "community"
    url: str


def can_preview(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and user.is_staff and user.has_perm("statements.view_statement")


def version_url(statement: Statement, language: str, ui_language: str) -> str:
    """Switching to a language the interface speaks switches the interface too."""
    if language in UI_LANGUAGES:
        with override(language):
            return reverse("statements:detail", args=[statement.slug])
    return reverse("statements:detail-version", args=[statement.slug, language])


def statement_versions(statement: Statement, ui_language: str) -> list[Version]:
    versions = [Version(statement.language, statement.title, statement.summary,
                        statement.body_html, statement.direction, "canonical",
                        version_url(statement, statement.language, ui_language))]
    translation: Translation
    for translation in statement.translations.all():
        versions.append(Version(translation.language, translation.title, translation.summary,
                                translation.body_html, translation.direction, translation.kind,
                                version_url(statement, translation.language, ui_language)))
    return versions


def _statement_for(request: HttpRequest, slug: str) -> Statement:
    statement = get_object_or_404(
        Statement.objects.select_related("category", "featured_image__statement")
        .prefetch_related("category__names", "featured_image__texts"), slug=slug)
    if not statement.is_public and not can_preview(request):
        raise Http404
    return statement


def _render_statement(request: HttpRequest, statement: Statement, language: str | None
                      ) -> HttpResponse:
    ui_language = get_language()
    versions = statement_versions(statement, ui_language)
    by_language = {v.language: v for v in versions}
    if language is not None:
        if language not in by_language:
            raise Http404
        shown = by_language[language]
    else:
        shown = by_language.get(ui_language, versions[0])
    context = {
        "statement": statement,
        "version": shown,
        "versions": versions,
        "issuers": statement.ordered_issuers(),
        "featured": statement.featured_image.resolved() if statement.featured_image else None,
        "featured_image": statement.featured_image,
        # Caption and credit in the shown version's language where the editors wrote them.
        "featured_words": (statement.featured_image.text_for(shown.language)
                           if statement.featured_image else None),
        "preview": not statement.is_public,
        **_updated(statement, shown.language),
    }
    response = render(request, "statements/detail.html", context)
    return response if statement.is_public else private(response)


def history_url(statement: Statement, language: str) -> str:
    return reverse("statements:history-version", args=[statement.slug, language])


def _updated(statement: Statement, language: str) -> dict[str, object]:
    """"Updated on …" for a language version whose text changed after it was first
    published (its newest revision is not its first), with the link to its history."""
    if not statement.is_public:
        return {}
    latest = (Revision.objects.filter(statement=statement, language=language)
              .order_by("-number").values_list("number", "created_at").first())
    if latest is None or latest[0] < 2:
        return {}
    return {"updated_at": latest[1], "history_url": history_url(statement, language)}


@cached_page(pages.page_of_statement)
@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_statement(request, _statement_for(request, slug), None)


@cached_page(pages.page_of_statement)
@require_safe
def detail_version(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    return _render_statement(request, _statement_for(request, slug), language)


@cached_page(pages.page_of_site)
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    statements = (Statement.objects.listed().select_related("category")
                  .prefetch_related("issuer_links__organisation", "translations",
                                    "category__names"))
    return render(request, "statements/home.html",
                  {"statements": statements,
                   "categories": Category.objects.prefetch_related("names")})


@cached_page(pages.page_of_site)
@require_safe
def category(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category.objects.prefetch_related("names"), slug=slug)
    statements = category.statements.listed().prefetch_related("issuer_links__organisation",
                                                                "translations")
    return render(request, "statements/category.html",
                  {"category": category, "statements": statements})


@cached_page(pages.page_of_site)
@require_safe
def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    issued = list(organisation.issued_statements.public().order_by("-published_at")
                  .prefetch_related("issuer_links__organisation", "translations",
                                    "category__names"))
    # Only signatures that show the organisation: a hidden one is counted on the statement,
    # never tied to a name here.
    signed = list(Statement.objects.public()
                  .filter(signatures__organisation=organisation, signatures__status="visible",
                          signatures__show_name=True)
                  .distinct().order_by("-published_at")
                  .prefetch_related("issuer_links__organisation", "translations",
                                    "category__names"))
    if not issued and not signed:
        # Nothing public: the address, guessable from a name, must not even confirm that
        # the name is known to us.
        raise Http404
    return render(request, "statements/organisation.html",
                  {"organisation": organisation, "issued": issued, "signed": signed})


@cached_page(pages.page_of_statement)
@require_safe
def history(request: HttpRequest, slug: str, language: str | None = None) -> HttpResponse:
    """The revisions of one language version, newest first, and a diff between two of them
    (``?from=N&to=M``; without them, the newest against the one before). Public statements
    only: a draft has no published text, and its address answers as an unknown one does."""
    statement = get_object_or_404(Statement.objects.public(), slug=slug)
    titles = {statement.language: statement.title}
    titles.update(statement.translations.values_list("language", "title"))
    if language is None:
        ui_language = get_language()
        language = ui_language if ui_language in titles else statement.language
    elif language not in titles:
        raise Http404
    old_text, new_text = request.GET.get("from", ""), request.GET.get("to", "")
    declare_query(request.META, **{"from": old_text, "to": new_text})
    page = history_page(statement, language, old_text, new_text)
    others = [(code, history_url(statement, code)) for code in titles if code != language]
    context = {
        "statement": statement,
        "page": page,
        "title": titles[language],
        # The title is in the version's language, the sentence around it in the reader's.
        "title_html": format_html('<bdi lang="{}" dir="{}">{}</bdi>', language, page.direction,
                                  titles[language]),
        "statement_url": version_url(statement, language, get_language()),
        "other_languages": others,
    }
    return render(request, "statements/history.html", context,
                  status=400 if page.error else 200)
