"""Statements from Markdown files with YAML front matter (``undersigned import-statement``).

Everything is read and checked first — front matter, translation files, images — and only then
written, in one transaction; a file with any error imports nothing. The file format is described
in docs/statements.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_unicode_slug
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify

from core.images import check_image
from core.rendering import body_images, split_caption
from statements import actions
from statements.forms import clean_source_name, image_digest, store_image
from statements.models import (
    Category,
    Statement,
    StatementImage,
    StatementIssuer,
    Translation,
    validate_language_code,
)

STATEMENT_KEYS = {
    "title", "slug", "language", "category", "date", "summary", "issued_by", "signed_on",
    "featured_image", "featured_image_credit", "status", "signature_moderation",
    "comment_moderation", "translations",
}
TRANSLATION_KEYS = {"language", "title", "summary", "kind"}
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)^---[ \t]*\r?$\n?(?P<body>.*)\Z",
                          re.DOTALL | re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:|^//", re.IGNORECASE)
MAX_FILE_BYTES = 2 * 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be imported; the message says why, in words an editor understands."""


@dataclass
class ImageRef:
    """An image file next to the statement, as referenced from a text or the front matter."""

    path: Path
    name: str
    data: bytes
    alt: str = ""
    caption: str = ""
    credit: str = ""


@dataclass
class TranslationSpec:
    language: str
    title: str
    summary: str
    kind: str
    body: str
    source: Path


@dataclass
class StatementSpec:
    """A checked import file: everything needed to write the statement, nothing written yet."""

    source: Path
    title: str
    slug: str
    language: str
    body: str
    summary: str = ""
    category: str | None = None
    date: dt.datetime | None = None
    issued_by: list[str] = field(default_factory=list)
    signed_on: list[str] = field(default_factory=list)
    featured_image: str | None = None
    featured_image_credit: str = ""
    status: str = Statement.Status.DRAFT
    signature_moderation: str | None = None
    comment_moderation: str | None = None
    translations: list[TranslationSpec] = field(default_factory=list)
    images: dict[str, ImageRef] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# --- reading --------------------------------------------------------------------------------

class _StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice (PyYAML would silently keep the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key “{key}” is given twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_markdown_file(path: Path) -> tuple[dict[str, Any], str]:
    """Split a file into its front matter (a mapping) and its Markdown body."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except OSError as error:
        raise ImportFileError(f"{path}: cannot be read ({error.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ImportFileError(f"{path}: the file is larger than 2 MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path}: the file is not UTF-8 text (byte {error.start})") from None
    text = text.replace("\r\n", "\n")
    match = FRONT_MATTER.match(text)
    if not match:
        raise ImportFileError(
            f"{path}: no front matter. The file must start with a line '---', then the "
            "fields (title: …), then another line '---', then the text.")
    try:
        meta = yaml.load(match.group("yaml"), Loader=_StrictLoader)  # noqa: S506 — a SafeLoader
    except yaml.YAMLError as error:
        where = ""
        mark = getattr(error, "problem_mark", None)
        if mark is not None:
            where = f" (line {mark.line + 2}, column {mark.column + 1})"
        problem = getattr(error, "problem", None) or str(error)
        raise ImportFileError(f"{path}: the front matter is not valid YAML{where}: {problem}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ImportFileError(f"{path}: the front matter must be a list of 'key: value' lines")
    body = match.group("body").strip("\n")
    return meta, body + "\n" if body else ""


def _check_keys(path: Path, meta: dict, allowed: set[str]) -> None:
    unknown = sorted(str(k) for k in meta if k not in allowed)
    if unknown:
        raise ImportFileError(
            f"{path}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. "
            f"Allowed keys: {', '.join(sorted(allowed))}")


def _text(path: Path, meta: dict, key: str, *, required: bool = False, max_length: int = 0) -> str:
    value = meta.get(key)
    if value is None or value == "":
        if required:
            raise ImportFileError(f"{path}: '{key}' is missing; every statement needs a {key}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ImportFileError(f"{path}: '{key}' must be text")
    text = str(value).strip()
    if max_length and len(text) > max_length:
        raise ImportFileError(f"{path}: '{key}' is longer than {max_length} characters")
    if required and not text:
        raise ImportFileError(f"{path}: '{key}' is empty")
    return text


def _names(path: Path, meta: dict, key: str) -> list[str]:
    value = meta.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ImportFileError(f"{path}: '{key}' must be a list of organisation names")
    names = [v.strip() for v in value]
    duplicates = sorted({n for n in names if [m.casefold() for m in names].count(n.casefold()) > 1})
    if duplicates:
        raise ImportFileError(f"{path}: '{key}' names {', '.join(duplicates)} more than once")
    if any(len(n) > 200 for n in names):
        raise ImportFileError(f"{path}: an organisation name in '{key}' is longer than 200 characters")
    return names


def _choice(path: Path, meta: dict, key: str, choices: Iterable[str]) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    allowed = list(choices)
    if not isinstance(value, str) or value.strip().lower() not in allowed:
        raise ImportFileError(f"{path}: '{key}' is “{value}”; it must be one of: {', '.join(allowed)}")
    return value.strip().lower()


def _language(path: Path, meta: dict, key: str = "language", default: str | None = None) -> str:
    value = meta.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ImportFileError(f"{path}: '{key}' is missing (a language code such as en, es or ar)")
    code = value.strip().lower().replace("_", "-")
    try:
        validate_language_code(code)
    except ValidationError:
        raise ImportFileError(
            f"{path}: '{key}' is “{value}”, which is not a language code we know "
            "(use codes such as en, es, ar, pt-br)") from None
    return code


def _date(path: Path, meta: dict) -> dt.datetime | None:
    value = meta.get("date")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(12, 0))
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ImportFileError(f"{path}: 'date' is “{value}”; write it as 2026-03-08") from None
    else:
        raise ImportFileError(f"{path}: 'date' must be a date such as 2026-03-08")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


def _check_inside(spec: StatementSpec, source: Path, resolved: Path, what: str) -> None:
    """Images and translations come from the import file's folder (or below it): an import
    file from someone else must not make the importer copy ``../../etc/…`` or whatever a
    symlink points at onto a public page. ``resolved`` has its symlinks resolved already."""
    folder = spec.source.parent
    if not resolved.is_relative_to(folder):
        raise ImportFileError(f"{source}: {what} is outside the folder of {spec.source.name} "
                              f"({folder}); put it in that folder or below it")


def _image_file(spec: StatementSpec, source: Path, src: str, what: str) -> ImageRef:
    relative = Path(src.split("?", 1)[0].split("#", 1)[0])
    if relative.is_absolute():
        raise ImportFileError(f"{source}: {what} “{src}” must be a path relative to the file")
    path = (source.parent / relative).resolve()
    _check_inside(spec, source, path, f"{what} “{src}”")
    name = clean_source_name(src)
    known = spec.images.get(name)
    if known is not None:
        if known.path != path:
            raise ImportFileError(f"{source}: two different images are called “{name}”; "
                               "rename one of them")
        return known
    try:
        data = path.read_bytes()
    except OSError:
        raise ImportFileError(f"{source}: {what} “{src}” was not found (looked for {path})") from None
    try:
        check_image(data)
    except ValidationError as error:
        raise ImportFileError(f"{source}: {what} “{src}”: {' '.join(error.messages)}") from None
    spec.images[name] = ImageRef(path=path, name=name, data=data)
    return spec.images[name]


def _collect_images(spec: StatementSpec, source: Path, body: str) -> None:
    for src, alt, title in body_images(body):
        if not src:
            continue
        if EXTERNAL.match(src):
            # Pages never make a visitor's browser fetch from another site; the text is shown.
            spec.warnings.append(f"{source}: the image “{src}” is on another site and is "
                                 "not shown; put the file next to the statement instead")
            continue
        image = _image_file(spec, source, src, "the image")
        if not alt.strip():
            raise ImportFileError(f"{source}: the image “{src}” has no description; write "
                               f"![what the image shows]({src})")
        caption, credit = split_caption(title)
        # The canonical text's description wins; translations only fill gaps.
        image.alt = image.alt or alt.strip()
        image.caption = image.caption or caption
        image.credit = image.credit or credit


def _featured_image(spec: StatementSpec, path: Path, value: Any) -> None:
    """``featured_image: photo.jpg`` or, to describe it, ``{file: photo.jpg, alt: …, caption: …}``."""
    if value is None or value == "":
        return
    described = {}
    if isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in {"file", "alt", "caption"})
        if unknown:
            raise ImportFileError(f"{path}: 'featured_image' has unknown key(s) {', '.join(unknown)}; "
                                  "it takes file, alt and caption")
        described, value = value, value.get("file")
    if not isinstance(value, str) or not value.strip():
        raise ImportFileError(f"{path}: 'featured_image' must be the image's file name, "
                              "or {file: …, alt: …, caption: …}")
    spec.featured_image = value.strip()
    image = _image_file(spec, path, spec.featured_image, "featured_image")
    alt = _text(path, described, "alt", max_length=300)
    caption = _text(path, described, "caption", max_length=500)
    image.alt, image.caption = alt or image.alt, caption or image.caption
    if not image.alt:
        spec.warnings.append(
            f"{path}: the featured image has no description, so it is shown as decoration. "
            "Describe it with featured_image: {file: …, alt: what it shows}.")


def read_translation(spec: StatementSpec, path: Path) -> TranslationSpec:
    meta, body = read_markdown_file(path)
    _check_keys(path, meta, TRANSLATION_KEYS)
    translation = TranslationSpec(
        language=_language(path, meta),
        title=_text(path, meta, "title", required=True, max_length=300),
        summary=_text(path, meta, "summary", max_length=1000),
        kind=_choice(path, meta, "kind", Translation.Kind.values) or Translation.Kind.OFFICIAL,
        body=body, source=path,
    )
    _collect_images(spec, path, body)
    return translation


def read_statement_file(path: Path) -> StatementSpec:
    """Read and check an import file and everything it refers to; writes nothing."""
    path = Path(path).resolve()
    meta, body = read_markdown_file(path)
    _check_keys(path, meta, STATEMENT_KEYS)
    title = _text(path, meta, "title", required=True, max_length=300)
    slug = _text(path, meta, "slug", max_length=200) or slugify(title, allow_unicode=True)[:200]
    try:
        validate_unicode_slug(slug)
    except ValidationError:
        raise ImportFileError(f"{path}: 'slug' is “{slug}”; use letters, numbers, hyphens and "
                           "underscores only") from None
    spec = StatementSpec(
        source=path, title=title, slug=slug, language=_language(path, meta, default="en"),
        body=body, summary=_text(path, meta, "summary", max_length=1000),
        category=_text(path, meta, "category", max_length=100) or None,
        date=_date(path, meta),
        issued_by=_names(path, meta, "issued_by"), signed_on=_names(path, meta, "signed_on"),
        featured_image_credit=_text(path, meta, "featured_image_credit", max_length=200),
        status=_choice(path, meta, "status", Statement.Status.values) or Statement.Status.DRAFT,
        signature_moderation=_choice(path, meta, "signature_moderation",
                                     Statement.SignatureModeration.values),
        comment_moderation=_choice(path, meta, "comment_moderation",
                                   Statement.CommentModeration.values),
    )
    _collect_images(spec, path, body)
    _featured_image(spec, path, meta.get("featured_image"))
    if not spec.featured_image and spec.featured_image_credit:
        raise ImportFileError(f"{path}: 'featured_image_credit' is given but 'featured_image' is not")

    files = meta.get("translations") or []
    if isinstance(files, str):
        files = [files]
    if not isinstance(files, list) or not all(isinstance(f, str) and f.strip() for f in files):
        raise ImportFileError(f"{path}: 'translations' must be a list of file names, "
                           "e.g. [statement.es.md]")
    languages = {spec.language: path}
    for name in files:
        translation_path = (path.parent / name.strip()).resolve()
        _check_inside(spec, path, translation_path, f"the translation file “{name}”")
        if not translation_path.is_file():
            raise ImportFileError(f"{path}: the translation file “{name}” was not found "
                                  f"(looked for {translation_path})")
        translation = read_translation(spec, translation_path)
        if translation.language in languages:
            raise ImportFileError(
                f"{translation.source}: language '{translation.language}' is already given by "
                f"{languages[translation.language].name}; a statement has one text per language")
        languages[translation.language] = translation.source
        spec.translations.append(translation)
    return spec


# --- writing --------------------------------------------------------------------------------

def _category(name: str) -> Category:
    slug = slugify(name, allow_unicode=True)[:100] or "category"
    found = (Category.objects.filter(name__iexact=name).first()
             or Category.objects.filter(slug=slug).first())
    return found or Category.objects.create(name=name, slug=slug)


def _store_images(statement: Statement, spec: StatementSpec, written: list[str]) -> None:
    for ref in spec.images.values():
        image = (StatementImage.objects.filter(statement=statement, source_name=ref.name).first()
                 or StatementImage(statement=statement, source_name=ref.name))
        if ref.name == clean_source_name(spec.featured_image or "") and spec.featured_image_credit:
            ref.credit = spec.featured_image_credit
        image.alt, image.caption, image.credit = ref.alt[:300], ref.caption[:500], ref.credit[:200]
        if image.digest != image_digest(ref.data) or not image.renditions:
            store_image(image, ref.data)
            written.extend(r["name"] for r in image.renditions)
        image.save()


@transaction.atomic
def _write(spec: StatementSpec, actor: Any, written: list[str], *, replace: bool,
           record_signed_on: SignedOnRecorder | None) -> Statement:
    statement = Statement.objects.select_for_update().filter(slug=spec.slug).first()
    created = statement is None
    source_name = spec.source.name
    if statement is not None and statement.import_source != source_name and not replace:
        origin = (f"imported from {statement.import_source}" if statement.import_source
                  else "created in the admin")
        raise ImportFileError(
            f"{spec.source}: the slug '{spec.slug}' is already used by the statement "
            f"“{statement.title}” ({origin}). Choose another slug, or run again with --replace "
            "to overwrite that statement with this file.")
    previous_status = statement.status if statement else None
    statement = statement or Statement(slug=spec.slug)
    statement.import_source = source_name
    statement.title, statement.summary = spec.title, spec.summary
    statement.language, statement.body = spec.language, spec.body
    statement.status = spec.status
    if spec.date is not None:
        statement.published_at = spec.date
    statement.category = _category(spec.category) if spec.category else None
    if spec.signature_moderation:
        statement.signature_moderation = spec.signature_moderation
    if spec.comment_moderation:
        statement.comment_moderation = spec.comment_moderation
    statement.save()

    _store_images(statement, spec, written)
    statement.featured_image = (
        statement.images.get(source_name=clean_source_name(spec.featured_image))
        if spec.featured_image else None)

    statement.issuer_links.all().delete()
    for position, name in enumerate(spec.issued_by):
        organisation = actions.find_or_create_organisation(name)
        StatementIssuer.objects.create(statement=statement, organisation=organisation,
                                       position=position)
    # Translations added in the admin but absent from the file are kept: the file adds and
    # updates, it never destroys an editor's work.
    if statement.translations.filter(language=spec.language).exists():
        raise ImportFileError(
            f"{spec.source}: the statement already has a translation in '{spec.language}', the "
            "language this file gives for the original; delete that translation in the admin "
            "or change 'language'")
    for item in spec.translations:
        Translation.objects.update_or_create(
            statement=statement, language=item.language,
            defaults={"title": item.title, "summary": item.summary, "kind": item.kind,
                      "body": item.body})
    actions.do_save_statement(statement, actor=actor, created=created,
                              previous_status=previous_status or Statement.Status.DRAFT)
    if record_signed_on is not None and spec.signed_on:
        record_signed_on(statement, spec.signed_on, actor)
    return statement


# Records the organisations a file lists under ``signed_on`` (the signatures app does: it sits
# above statements, so the caller hands it in), inside the import's transaction.
SignedOnRecorder = Callable[[Statement, list[str], Any], None]


def import_statement(path: Path, actor: Any = None, *, replace: bool = False,
                     record_signed_on: SignedOnRecorder | None = None
                     ) -> tuple[Statement, StatementSpec]:
    """Import one file (and the translations and images it names); all or nothing."""
    spec = read_statement_file(path)
    actor = actor or f"import-statement {spec.source.name}"
    written: list[str] = []
    try:
        statement = _write(spec, actor, written, replace=replace,
                           record_signed_on=record_signed_on)
    except BaseException:
        # The transaction is rolled back; take back the image files written inside it.
        for name in written:
            default_storage.delete(name)
        raise
    return statement, spec


def statement_url(statement: Statement) -> str:
    """The absolute URL, in the statement's own language when the interface speaks it."""
    languages = dict(settings.LANGUAGES)
    language = statement.language if statement.language in languages else settings.LANGUAGE_CODE
    with translation.override(language):
        return settings.BASE_URL + statement.get_absolute_url()
