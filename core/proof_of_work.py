"""Self-hosted proof of work (altcha's challenge format), switched on per statement by an editor
under attack. Shared by the sign-on and comment forms.

The page itself never carries a challenge (it stays the same bytes for everyone): a small script
of ours fetches one from ``challenge`` and solves it in the browser. Each solution is accepted
once. Visitors without JavaScript are told in a <noscript> why the form needs it for now.

API for forms:
    pow_required(statement) -> bool   is the challenge switched on?
    verify_pow(request) -> bool       did this POST carry a fresh, valid, unused solution?
    template: {% include "core/_pow.html" %} inside the <form> (needs ``statement`` in context)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any, cast

from altcha.v1 import ChallengeOptions, PayloadType, create_challenge, verify_solution
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

FIELD = "altcha"
MAX_PAYLOAD_LENGTH = 2000
CHALLENGE_LIFETIME = timedelta(hours=1)


def _key() -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"undersigned.proof-of-work",
                    hashlib.sha256).hexdigest()


def max_number() -> int:
    """Difficulty: the solver tries on average half of this many SHA-256 hashes (well under a
    second on a phone for the default)."""
    return int(settings.UNDERSIGNED.get("POW_MAX_NUMBER") or 100_000)


def pow_required(statement: Any) -> bool:
    return bool(getattr(statement, "proof_of_work", False))


def new_challenge() -> dict[str, Any]:
    challenge = create_challenge(ChallengeOptions(
        hmac_key=_key(), max_number=max_number(),
        expires=timezone.now() + CHALLENGE_LIFETIME))
    return challenge.to_dict()


def verify_payload(payload: str) -> bool:
    if not payload or len(payload) > MAX_PAYLOAD_LENGTH:
        return False
    try:
        data = json.loads(base64.b64decode(payload, validate=True).decode())
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return False
    if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) for k in ("algorithm", "challenge", "salt", "signature")):
        return False
    if not isinstance(data.get("number"), int) or isinstance(data.get("number"), bool):
        return False
    if data["algorithm"] != "SHA-256":
        return False
    try:
        # The shape was checked above.
        ok, _error = verify_solution(cast(PayloadType, data), _key(), check_expires=True)
    except Exception:  # a library must not turn bad input into a 500
        return False
    if not ok:
        return False
    # One use per solved challenge: a bot cannot pay once and post a thousand times.
    used_key = "pow:used:" + hashlib.sha256(data["challenge"].encode()).hexdigest()[:40]
    return cache.add(used_key, 1, timeout=int(CHALLENGE_LIFETIME.total_seconds()) + 60)


def proof_sent(request: HttpRequest) -> bool:
    """Did the browser send a proof at all? Without JavaScript the field stays empty."""
    return bool(request.POST.get(FIELD, "").strip())


def verify_pow(request: HttpRequest) -> bool:
    return verify_payload(request.POST.get(FIELD, ""))


@never_cache
@require_safe
def challenge(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(new_challenge())
    response["X-Robots-Tag"] = "noindex"
    return response
