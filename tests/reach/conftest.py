"""The sign-on tests' fixtures (a signed, mailed sign-on; an editor's client), for sharing."""

from tests.signatures.conftest import editor_client, signed  # noqa: F401
