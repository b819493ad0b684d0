"""Statements, their language versions and revisions, the organisations that issue and sign
them, categories and images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from core.rendering import ResolvedImage, render_statement, text_direction

# Room for a sentence or two and the link after it within the shortest limit of the places it
# goes (Bluesky: 300 characters).
SHARE_TEXT_MAX_LENGTH = 200


def validate_language_code(code: str) -> None:
    """A language Django can name (the version switcher shows each language's own name)."""
    try:
        get_language_info(code)
    except KeyError:
        raise ValidationError(
            _("“%(code)s” is not a language code we know, such as en, es, ar or pt-br."),
            code="language", params={"code": code}) from None


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True, allow_unicode=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("statements:organisation", args=[self.slug])


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("statements:category", args=[self.slug])

    def name_in(self, language: str) -> str:
        """The name readers of ``language`` see: its translated name when an editor gave one."""
        for name in self.names.all():  # prefetched by the pages that list categories
            if name.language == language:
                return name.name
        return self.name

    @property
    def shown_name(self) -> str:
        """The name in the active interface language."""
        return self.name_in(translation.get_language() or settings.LANGUAGE_CODE)


class CategoryName(models.Model):
    """A category's name in another language (the interface shows the reader's)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="names")
    language = models.CharField(_("language"), max_length=12,
                                validators=[validate_language_code],
                                help_text=_("Language code, e.g. es, ar, pt-br."))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["category", "language"],
                                               name="unique_category_name_language")]
        verbose_name = _("name in another language")
        verbose_name_plural = _("names in other languages")

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class StatementQuerySet(models.QuerySet):
    def public(self) -> StatementQuerySet:
        """Statements whose page anyone may read: published, closed or archived."""
        return self.filter(status__in=Statement.PUBLIC_STATUSES)

    def listed(self) -> StatementQuerySet:
        """What the home page lists: published and closed statements, newest first."""
        return self.filter(status__in=(Statement.Status.PUBLISHED, Statement.Status.CLOSED)
                           ).order_by("-published_at", "-id")

    def published(self) -> StatementQuerySet:
        return self.filter(status=Statement.Status.PUBLISHED)


class Statement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed (signing closed, page stays)")
        ARCHIVED = "archived", _("Archived")

    class SignatureModeration(models.TextChoices):
        NONE = "none", _("None: every confirmed signature is shown")
        ORGANISATIONS = "organisations", _("Organisations held for review")
        ALL = "all", _("All signatures held for review")

    class CommentModeration(models.TextChoices):
        NONE = "none", _("None: comments appear at once")
        FIRST = "first", _("First comment from an address held")
        ALL = "all", _("All comments held")
        CLOSED = "closed", _("Comments closed")

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.CLOSED, Status.ARCHIVED)

    slug = models.SlugField(_("slug"), max_length=200, unique=True, allow_unicode=True)
    language = models.CharField(_("canonical language"), max_length=12,
                                default=settings.LANGUAGE_CODE,
                                validators=[validate_language_code],
                                help_text=_("Language code of the original text, e.g. en, es, ar."))
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=1000, blank=True)
    share_text = models.CharField(
        _("share text"), max_length=SHARE_TEXT_MAX_LENGTH, blank=True,
        help_text=_("What the share links (email, WhatsApp, Bluesky, …) offer to send, in this "
                    "language; the link to the statement is added. Empty: the title and the "
                    "link."))
    body = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="statements", verbose_name=_("category"))
    issuers = models.ManyToManyField(Organisation, through="StatementIssuer",
                                     related_name="issued_statements", blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(_("publication date"), null=True, blank=True,
                                        db_index=True)
    signing_deadline = models.DateTimeField(_("signing deadline"), null=True, blank=True)
    signature_goal = models.PositiveIntegerField(_("signature goal"), null=True, blank=True)
    featured_image = models.ForeignKey("StatementImage", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+",
                                       verbose_name=_("featured image"))
    signature_moderation = models.CharField(
        _("signature moderation"), max_length=16, choices=SignatureModeration.choices,
        default=SignatureModeration.ORGANISATIONS)
    comment_moderation = models.CharField(
        _("comment moderation"), max_length=16, choices=CommentModeration.choices,
        default=CommentModeration.FIRST)
    # Signing settings.
    show_signature_comments = models.BooleanField(
        _("show signers' comments"), default=True,
        help_text=_("Show the short 'why I sign' comments on the list once moderated."))
    confirmation_email_text = models.TextField(
        _("confirmation email text"), blank=True,
        help_text=_("Added to the email that asks a signer to confirm."))
    rejection_message = models.TextField(
        _("message to rejected signers"), blank=True,
        help_text=_("Sent when a signature is rejected; never says why. Empty: no mail."))
    proof_of_work = models.BooleanField(
        _("proof-of-work challenge"), default=False,
        help_text=_("Switch on during an attack: signing and commenting then need a short "
                    "computation in the visitor's browser."))
    # Delivery settings (docs/delivery.md).
    show_signed_revision = models.BooleanField(
        _("show which text each signer signed"), default=False,
        help_text=_("On the public list, mark the signers who signed an earlier revision of "
                    "the text."))
    public_handover_list = models.BooleanField(
        _("publish the printable list"), default=False,
        help_text=_("Anyone may open the printable signatory list and its PDF; otherwise only "
                    "editors can."))
    show_daily_chart = models.BooleanField(
        _("show sign-ons per day"), default=False,
        help_text=_("Show the chart of sign-ons per day on the statement page."))
    # Surge mode (signatures/surge.py): switched on by itself when sign-ons on this statement
    # arrive faster than a real crowd signs; while on, signing needs proof of work and the
    # sign-ons made in it are held for review. Written only when it switches.
    surge_started_at = models.DateTimeField(_("surge mode since"), null=True, blank=True,
                                            editable=False)
    surge_until = models.DateTimeField(_("surge mode until"), null=True, blank=True,
                                       editable=False)
    # An editor switched surge mode off: it does not switch itself on again before this.
    surge_paused_until = models.DateTimeField(_("surge mode paused until"), null=True,
                                              blank=True, editable=False)
    # Discussion settings.
    comment_reply_depth = models.PositiveSmallIntegerField(_("reply depth"), default=5)
    comments_locked_until = models.DateTimeField(_("comments locked until"), null=True,
                                                 blank=True)
    comments_lock_mode = models.CharField(
        _("lockdown"), max_length=8, blank=True,
        choices=[("hold", _("Hold every new comment")), ("close", _("Close comments"))])
    # The import file's name, so that importing another file with the same slug is refused
    # rather than silently overwriting a different statement.
    import_source = models.CharField(_("imported from"), max_length=255, blank=True,
                                     editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatementQuerySet.as_manager()
    # Not a field: the status before an admin save, set by StatementAdmin.save_model for the
    # audit entry that its save_related writes (statements/admin.py).
    _previous_status: str | None

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        permissions = [("publish", _("Can publish, close and archive statements"))]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = self.render_body(self.body, self.language)
        if self.status != self.Status.DRAFT and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def render_body(self, text: str, language: str) -> str:
        with translation.override(language if language in dict(settings.LANGUAGES) else "en"):
            return render_statement(
                text, (lambda src: self.resolve_image(src, language)) if self.pk else None)

    def resolve_image(self, src: str, language: str | None = None) -> ResolvedImage | None:
        """The uploaded image a text refers to, credited in the text's ``language``."""
        # The text's address is percent-encoded by the Markdown parser; the name is not.
        image = self.images.filter(source_name=unquote(src).rsplit("/", 1)[-1]).first()
        return image.resolved(language) if image else None

    def get_absolute_url(self) -> str:
        return reverse("statements:detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    @property
    def direction(self) -> str:
        return text_direction(self.language)

    @property
    def is_open_for_signing(self) -> bool:
        if self.status != self.Status.PUBLISHED:
            return False
        return self.signing_deadline is None or timezone.now() < self.signing_deadline

    def surge_active(self, now: Any = None) -> bool:
        """Is surge mode on (signing needs proof of work; new sign-ons are held)?"""
        return self.surge_until is not None and (now or timezone.now()) < self.surge_until

    def surge_holds(self, created_at: Any) -> bool:
        """Was a sign-on made during the last surge (held for review when confirmed)?"""
        return (self.surge_started_at is not None and self.surge_until is not None
                and self.surge_started_at <= created_at < self.surge_until)

    def surge_may_start(self, now: Any) -> bool:
        return not self.surge_active(now) and (self.surge_paused_until is None
                                               or now >= self.surge_paused_until)

    def confirmation_text_for(self, language: str) -> str:
        """The editors' words for the confirmation mail of a signer of ``language``: the
        translation's when it has some, else the statement's own (an instruction in another
        language is better than none)."""
        version = self.version_for(language)
        return version.confirmation_email_text or self.confirmation_email_text

    def version_for(self, language: str) -> Statement | Translation:
        """The text a reader of ``language`` sees: its translation when there is one."""
        if language != self.language:
            for version in self.translations.all():  # prefetched by the list pages
                if version.language == language:
                    return version
        return self

    @property
    def shown(self) -> Statement | Translation:
        """The version for the active interface language (lists show it on their cards)."""
        return self.version_for(translation.get_language() or settings.LANGUAGE_CODE)

    def ordered_issuers(self) -> list[Organisation]:
        links = self.issuer_links.all()  # in position order (Meta); prefetched on list pages
        if "issuer_links" not in getattr(self, "_prefetched_objects_cache", {}):
            links = links.select_related("organisation")
        return [link.organisation for link in links]


class StatementIssuer(models.Model):
    """An issuing organisation of a statement, in the order the coalition wants them named."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE,
                                  related_name="issuer_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="issuer_links",
                                     verbose_name=_("organisation"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["statement", "organisation"],
                                               name="unique_issuer_per_statement")]
        verbose_name = _("issuing organisation")
        verbose_name_plural = _("issued by")

    def __str__(self) -> str:
        return str(self.organisation)


class TranslatedText(models.Model):
    """A text in one language beside its original: a statement's translation, an update's
    (updates.models.UpdateTranslation). Rendered with the statement's own rules for its
    images and links, in its language's direction."""

    language = models.CharField(_("language"), max_length=12,
                                validators=[validate_language_code],
                                help_text=_("Language code, e.g. es, ar, pt-br."))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["language"]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def owning_statement(self) -> Statement:
        raise NotImplementedError

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = self.owning_statement().render_body(self.body, self.language)
        super().save(*args, **kwargs)

    @property
    def direction(self) -> str:
        return text_direction(self.language)


class Translation(TranslatedText):
    """The statement in another language; all versions share one signatory list."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official translation")
        COMMUNITY = "community", _("Community translation")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE,
                                  related_name="translations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OFFICIAL)
    summary = models.TextField(_("summary"), max_length=1000, blank=True)
    share_text = models.CharField(
        _("share text"), max_length=SHARE_TEXT_MAX_LENGTH, blank=True,
        help_text=_("What the share links (email, WhatsApp, Bluesky, …) offer to send, in this "
                    "language; the link to the statement is added. Empty: the title and the "
                    "link."))
    confirmation_email_text = models.TextField(
        _("confirmation email text"), blank=True,
        help_text=_("Added to the email that asks a signer of this language to confirm. "
                    "Empty: the statement's own text is used."))

    class Meta(TranslatedText.Meta):
        constraints = [models.UniqueConstraint(fields=["statement", "language"],
                                               name="unique_translation_language")]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")

    def owning_statement(self) -> Statement:
        return self.statement


class Revision(models.Model):
    """A published state of one language version's text, kept for good."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="revisions")
    language = models.CharField(max_length=12)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["statement", "language", "-number"]
        constraints = [models.UniqueConstraint(fields=["statement", "language", "number"],
                                               name="unique_revision_number")]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.statement} [{self.language}] #{self.number}"


class StatementImage(models.Model):
    """A photo for a statement, re-encoded and resized on upload; referenced from the body by
    its file name: ``![alt](name.jpg "Caption. Credit: Name")``."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="images")
    source_name = models.CharField(_("file name in the text"), max_length=200)
    alt = models.CharField(_("alternative text"), max_length=300,
                           help_text=_("What the image shows, for people who cannot see it."))
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    credit = models.CharField(_("credit"), max_length=200, blank=True)
    renditions = models.JSONField(default=list, editable=False)
    # SHA-256 of the original file: re-importing the same image keeps the stored renditions.
    digest = models.CharField(max_length=64, blank=True, editable=False)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["statement", "source_name"],
                                               name="unique_image_name_per_statement")]
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self) -> str:
        return self.source_name

    def text_for(self, language: str) -> ImageWords:
        """Caption and credit for a page in ``language``: the editors' words in that language
        where given, else the original's (in the statement's language)."""
        original = ImageWords(self.caption, self.credit, self.statement.language)
        for words in self.texts.all():
            if words.language == language:
                return ImageWords(words.caption or original.caption,
                                  words.credit or original.credit,
                                  language if words.caption else original.language)
        return original

    def resolved(self, language: str | None = None) -> ResolvedImage | None:
        if not self.renditions:
            return None
        base = settings.MEDIA_URL
        widest = self.renditions[-1]
        srcset = ", ".join(f"{base}{r['name']} {r['width']}w" for r in self.renditions)
        credit = self.text_for(language).credit if language else self.credit
        return ResolvedImage(src=f"{base}{widest['name']}", srcset=srcset,
                             width=self.width, height=self.height, credit=credit)


@dataclass(frozen=True)
class ImageWords:
    """What is written under an image, and the language it is written in."""

    caption: str
    credit: str
    language: str

    @property
    def direction(self) -> str:
        return text_direction(self.language)


class ImageText(models.Model):
    """An image's caption and credit in another language than the statement's."""

    image = models.ForeignKey(StatementImage, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=12,
                                validators=[validate_language_code],
                                help_text=_("Language code, e.g. es, ar, pt-br."))
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    credit = models.CharField(_("credit"), max_length=200, blank=True)

    class Meta:
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["image", "language"],
                                               name="unique_image_text_language")]
        verbose_name = _("caption in another language")
        verbose_name_plural = _("captions in other languages")

    def __str__(self) -> str:
        return f"{self.image} ({self.language})"

    @property
    def statement_id(self) -> int | None:
        """The statement whose pages show it (``statements.pages`` marks them changed); None
        once the image itself is gone (its own deletion marked them)."""
        return (StatementImage.objects.filter(pk=self.image_id)
                .values_list("statement_id", flat=True).first())
