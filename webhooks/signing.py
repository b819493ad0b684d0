"""Standard Webhooks signatures (https://www.standardwebhooks.com/): a few lines of HMAC.

The receiver checks ``v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">``
with the endpoint's secret (``whsec_`` + base64 of 32 random bytes), and drops a repeated
``webhook-id``. Written here rather than taken from the ``standardwebhooks`` package, which
the tests use to verify what we send: one library checking the other's work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode("ascii") + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secrets_in_use: list[str], message_id: str, timestamp: int, body: bytes
            ) -> dict[str, str]:
    """The three headers; one signature per secret in use (two for a day after a rotation),
    separated by spaces as the spec allows."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(secret, message_id, timestamp, body)
                                      for secret in secrets_in_use),
    }
