"""schemathesis against /api/v1/openapi.json, in process through the WSGI application: every
operation the description lists is called with what it allows (and with what it does not),
and every answer must be a non-500 that the description promises, in its shape
(docs/testing.md: the hypothesis profile decides: derandomised with a fixed budget under
``make test``)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import views
from api.tokens import HEADER, Scope, make_token
from core.protection import Limit
from tests.api.conftest import sign
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def loaded(db, monkeypatch):
    monkeypatch.setattr(views, "ANONYMOUS_LIMIT", Limit("api:anonymous", 10**6, 60))
    monkeypatch.setattr(views, "TOKEN_LIMIT", Limit("api:token", 10**6, 60))
    statement = make_statement()
    sign(statement, "a@example.org", wants_contact=True, comment="Hi", comment_approved=True)
    sign(statement, "b@example.org", show_name=False, wants_contact=True)
    _token, text = make_token(name="Schema", scopes={Scope.READ_PRIVATE})
    app = get_wsgi_application()
    # As Django's test client does: a request's end must not close the test's connection
    # (its transaction holds the data above).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), app, text
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def exercise(operation, app, headers: dict[str, str]) -> None:
    checks = CHECKS

    # A quarter of the profile's budget per operation (eight operations, two callers): 15
    # derandomised examples under "ci", 500 random ones under "fuzz" (docs/testing.md).
    @settings(max_examples=max(1, settings.default.max_examples // 4), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case) -> None:
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=checks)

    run()


@pytest.mark.parametrize("with_token", [False, True])
def test_every_operation_answers_as_described(loaded, with_token: bool) -> None:
    schema, app, text = loaded
    headers = {HEADER: text} if with_token else {}
    called = []
    for operation in operations(schema):
        exercise(operation, app, headers)
        called.append(f"{operation.method.upper()} {operation.path}")
    assert len(called) == 8, called
