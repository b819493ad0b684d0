from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.images import process_upload
from statements.models import StatementImage


class StatementImageForm(forms.ModelForm):
    """Upload an image; Pillow re-encodes it and makes the widths for ``srcset``."""

    upload = forms.ImageField(label=_("image file"), required=False)

    class Meta:
        model = StatementImage
        fields = ["upload", "source_name", "alt", "caption", "credit"]

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("upload")
        if upload is None and not (self.instance.pk and self.instance.renditions):
            raise ValidationError({"upload": _("Choose an image file.")})
        if upload is not None and not data.get("source_name"):
            data["source_name"] = upload.name.rsplit("/", 1)[-1]
            self.instance.source_name = data["source_name"]
        return data

    def save(self, commit: bool = True) -> StatementImage:
        image = super().save(commit=False)
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            store_image(image, upload.read())
        if commit:
            image.save()
        return image


def store_image(image: StatementImage, data: bytes) -> None:
    stem = (image.source_name.rsplit(".", 1)[0] or "image")[:60]
    renditions = process_upload(data, stem)
    image.renditions = [{"width": r.width, "height": r.height, "name": r.name} for r in renditions]
    image.width, image.height = renditions[-1].width, renditions[-1].height
