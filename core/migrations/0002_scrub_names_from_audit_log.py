"""Scrub the names of signers and commenters that the audit log kept before it learned not to.

Until now an entry about a signature or a comment copied ``str(obj)`` into ``target_repr``: the
signer's name, or the commenter's name and the first words of the comment. The log is kept
forever and every moderator can search it, so a person who withdrew or asked to be forgotten
stayed there. Such entries are rewritten to ``signature #id`` / ``comment #id`` (what
``core.audit`` now writes), and so is the admin's own ``LogEntry.object_repr`` (its "Recent
actions" and history pages).

The audit log is append-only through the ORM (``AuditEntryQuerySet`` refuses ``update()``).
This migration deliberately goes around that, through the historical model's base manager
(migrations do not use the custom queryset), because erasing a person's name is exactly the
one change the log must allow. Only ``target_repr`` is touched: who did what, and when, stay.

Reverse is a no-op: the names are gone on purpose and cannot, and must not, come back.
"""

from django.db import migrations
from django.db.models import CharField, F, TextField, Value
from django.db.models.functions import Concat

# target_type (app_label.model) -> the word core.audit.describe writes.
PERSONAL = {"signatures.signature": "signature", "comments.comment": "comment"}


def scrub(apps, schema_editor):  # noqa: ANN001, ANN201
    AuditEntry = apps.get_model("core", "AuditEntry")
    for target_type, label in PERSONAL.items():
        (AuditEntry._base_manager.filter(target_type=target_type)
         .update(target_repr=Concat(Value(f"{label} #"), F("target_id"),
                                     output_field=CharField())))
    LogEntry = apps.get_model("admin", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for target_type, label in PERSONAL.items():
        app_label, model = target_type.split(".")
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is None:
            continue
        (LogEntry._base_manager.filter(content_type=content_type)
         .update(object_repr=Concat(Value(f"{label} #"), F("object_id"),
                                     output_field=TextField())))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(scrub, migrations.RunPython.noop, elidable=False),
    ]
