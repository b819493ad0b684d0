"""Guards for the assumptions the speed tricks rest on (docs/decisions.md, "Speed tricks"):
each fails the day Django, a model or a setting changes under the trick, instead of the trick
silently doing the wrong thing."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.db.backends.postgresql import base as django_postgresql
from django.db.backends.sqlite3 import base as django_sqlite
from django.db.models import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save

from comments.models import Comment
from core.backends.postgresql import base as our_postgresql
from core.backends.sqlite3 import base as our_sqlite
from signatures.models import Signature, SignOn


def test_the_models_core_inserts_writes_have_no_signal_receivers() -> None:
    """core/inserts.py sends no pre_save/post_save: a receiver added to the intake's SignOn or
    to Comment would silently never run."""
    for model in (SignOn, Comment):
        assert not pre_save.has_listeners(model), model
        assert not post_save.has_listeners(model), model


def test_every_per_row_default_of_a_signature_is_carried_by_the_intake() -> None:
    """signatures/intake.py turns a batch of sign-ons into signatures with one INSERT … SELECT:
    a column the intake row lacks takes one value for the whole batch. A per-row default (a
    callable: a token salt, a random seed) must therefore come from the intake row, or every
    signature of a batch would share it."""
    carried = {field.attname for field in SignOn._meta.concrete_fields}
    per_row = {field.attname for field in Signature._meta.concrete_fields
               if not field.primary_key and field.default is not NOT_PROVIDED
               and callable(field.default)}
    assert per_row, "the check found no per-row default: Signature changed shape"
    assert per_row <= carried, per_row - carried


def test_the_django_methods_our_database_backends_override_still_exist() -> None:
    """Our SQLite backend takes its writer lock in Django's private ``_commit``, ``_rollback``,
    ``_close`` and ``_start_transaction_under_autocommit``; the PostgreSQL one answers
    ``is_usable``. Renamed in a Django release, they would no longer be called."""
    sqlite_private = {"_start_transaction_under_autocommit", "_commit", "_rollback", "_close"}
    assert sqlite_private <= set(vars(our_sqlite.DatabaseWrapper))
    for name in sqlite_private | {"create_cursor"}:
        assert callable(getattr(django_sqlite.DatabaseWrapper, name, None)), name
    for name in ("execute", "executemany"):
        assert callable(getattr(django_sqlite.SQLiteCursorWrapper, name, None)), name
    assert "is_usable" in vars(our_postgresql.DatabaseWrapper)
    assert callable(getattr(django_postgresql.DatabaseWrapper, "is_usable", None))


def test_building_the_public_form_handler_leaves_the_middleware_setting_as_it_was() -> None:
    """core/handlers.py builds its short chain by lending ``settings.MIDDLEWARE`` the short
    list while Django reads it; afterwards the setting must be the full chain again."""
    from core.handlers import PublicFormHandler

    before = list(settings.MIDDLEWARE)
    handler = PublicFormHandler()
    assert list(settings.MIDDLEWARE) == before
    assert handler._middleware_chain is not None


def test_an_app_process_starts_without_the_libraries_only_rare_requests_need() -> None:
    """The PDF renderer, the cipher, Pillow and the QR code maker are imported where they are
    used (delivery/pdf_pieces.py, core/sealed.py, core/images.py, accounts/actions.py): loaded
    at start, the cipher took 8 MB of every app process's memory for the few requests that
    seal an address, Pillow 8 MB for the few that handle an image (docs/benchmarks.md, rounds
    19 and 20). Checked after what a first request loads: every view and template tag."""
    check = ("import sys, undersigned.rsgi; "
             "from django.urls import get_resolver; get_resolver().url_patterns; "
             "from django.template import engines; engines['django'].engine.template_libraries; "
             "print(sorted(m for m in ('cryptography', 'weasyprint', 'PIL', 'segno') "
             "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                            check=True, env={**os.environ,
                                             "DJANGO_SETTINGS_MODULE": "undersigned.settings"},
                            cwd=settings.BASE_DIR, timeout=120)
    assert loaded.stdout.strip() == "[]", loaded.stderr[-2000:]
