import hashlib
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.images import check_image, process_upload
from core.rendering import body_images
from statements.models import Statement, StatementImage, Translation


def check_image_descriptions(body: str) -> str:
    """Every image in a text needs a description (its alternative text)."""
    missing = [src for src, alt, _title in body_images(body or "") if src and not alt.strip()]
    if missing:
        raise ValidationError(
            _("Describe every image for people who cannot see it: write ![what it shows](%(name)s)"
              " instead of ![](%(name)s)."), params={"name": missing[0]}, code="alt")
    return body


class _TextForm(forms.ModelForm):
    """A statement's or a translation's text: every image must be described."""

    def clean_body(self) -> str:
        return check_image_descriptions(self.cleaned_data.get("body", ""))


class StatementForm(_TextForm):
    class Meta:
        model = Statement
        fields = ["body"]  # the admin adds the rest of its fieldsets


class TranslationForm(_TextForm):
    class Meta:
        model = Translation
        fields = ["body"]


def clean_source_name(name: str) -> str:
    """The name a text uses to refer to an image: the file name only, no folders."""
    return PurePosixPath(name.replace("\\", "/")).name.strip()[:200]


class StatementImageForm(forms.ModelForm):
    """Upload an image; Pillow re-encodes it and makes the widths for ``srcset``."""

    upload = forms.ImageField(label=_("image file"), required=False)

    class Meta:
        model = StatementImage
        fields = ["upload", "source_name", "alt", "caption", "credit"]
        help_texts = {
            "source_name": _("Refer to the image in the text as ![what it shows](this-name.jpg). "
                             "Left empty, the uploaded file's name is used."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source_name"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("upload")
        if upload is None and not (self.instance.pk and self.instance.renditions):
            raise ValidationError({"upload": _("Choose an image file.")})
        if upload is not None:
            upload.seek(0)
            try:
                check_image(upload.read())
            except ValidationError as error:
                raise ValidationError({"upload": error.messages}) from None
        name = clean_source_name(data.get("source_name") or "")
        if not name and upload is not None:
            name = clean_source_name(upload.name)
        if not name:
            raise ValidationError({"source_name": _("Give the image a file name.")})
        data["source_name"] = self.instance.source_name = name
        return data

    def save(self, commit: bool = True) -> StatementImage:
        image = super().save(commit=False)
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            upload.seek(0)
            store_image(image, upload.read())
        if commit:
            image.save()
        return image


def image_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_image(image: StatementImage, data: bytes) -> None:
    """Re-encode and resize ``data`` into ``image`` (not saved); raises ValidationError."""
    stem = (image.source_name.rsplit(".", 1)[0] or "image")[:60]
    renditions = process_upload(data, stem)
    image.renditions = [{"width": r.width, "height": r.height, "name": r.name} for r in renditions]
    image.width, image.height = renditions[-1].width, renditions[-1].height
    image.digest = image_digest(data)
