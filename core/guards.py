"""One pipeline of checks for POSTs to the public forms (the sign-on and the comment form).

Both forms take posts from anybody, without an account or a per-visitor token, on the day a
statement goes viral; both run the same checks, in the same order, and each view words the
refusal in its own terms. The order:

1. **size** (413): a body far larger than the form allows is refused before it is parsed;
2. **origin** (403): a post another site's page made the browser send (``is_same_origin``);
3. **open** (403): signing or the discussion is closed;
4. **honeypot**: a field people never see was filled — a bot. The sign-on view answers it as if
   it had succeeded (a signer's next page says only "check your inbox", so a bot learns
   nothing); the comment view says "not sent" (its next page would show the comment, which
   does not exist);
5. **form token** (400): sent within seconds of the page (a bot's burst) or long after it;
6. **proof of work** (400), when the statement asks for it (an editor's switch, surge mode);

then the view validates the form itself and shows these errors together with the form's own;

7. **limits** (429), narrowest first (``core.protection.count_limits``): counted last, so that
   nothing another check refuses uses up anybody's allowance, and a visitor refused by their
   own limits never counts against the statement's or the site's.
"""

from __future__ import annotations

from enum import StrEnum

from django.http import HttpRequest

from core import proof_of_work, protection


class Refusal(StrEnum):
    TOO_BIG = "too-big"
    CROSS_SITE = "cross-site"
    CLOSED = "closed"
    HONEYPOT = "honeypot"
    TOO_FAST = "too-fast"
    EXPIRED = "expired"
    NO_PROOF = "no-proof"  # no proof sent: JavaScript is off, or the check had not finished
    PROOF_FAILED = "proof-failed"  # a proof that does not hold: expired, used before, forged
    LIMITED_VISITOR = "limited-visitor"  # the visitor's own limits (their network, address)
    LIMITED_EVERYONE = "limited-everyone"  # the statement's or the site's

    @property
    def status(self) -> int:
        return _STATUS[self]


_STATUS = {Refusal.TOO_BIG: 413, Refusal.CROSS_SITE: 403, Refusal.CLOSED: 403,
           Refusal.HONEYPOT: 400, Refusal.TOO_FAST: 400, Refusal.EXPIRED: 400,
           Refusal.NO_PROOF: 400, Refusal.PROOF_FAILED: 400, Refusal.LIMITED_VISITOR: 429,
           Refusal.LIMITED_EVERYONE: 429}


def too_big(request: HttpRequest, max_bytes: int) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes
    except ValueError:
        return True


def check_request(request: HttpRequest, *, max_bytes: int, is_open: bool) -> Refusal | None:
    """Steps 1–4, before the form is read."""
    if too_big(request, max_bytes):
        return Refusal.TOO_BIG
    if not protection.is_same_origin(request):
        return Refusal.CROSS_SITE
    if not is_open:
        return Refusal.CLOSED
    if protection.honeypot_filled(request.POST):
        return Refusal.HONEYPOT
    return None


def check_form(request: HttpRequest, *, purpose: str, object_id: int, needs_proof: bool
               ) -> Refusal | None:
    """Steps 5–6: the form token for ``purpose`` and ``object_id``, then the proof of work."""
    try:
        protection.check_form_token(request.POST.get(protection.TOKEN_FIELD, ""), purpose,
                                    object_id)
    except protection.FormTokenError as error:
        return Refusal.TOO_FAST if str(error) == "too-fast" else Refusal.EXPIRED
    if needs_proof and not proof_of_work.proof_sent(request):
        # Sending again cannot help without JavaScript: the form says what will.
        return Refusal.NO_PROOF
    if needs_proof and not proof_of_work.verify_pow(request):
        return Refusal.PROOF_FAILED
    return None


def check_limits(checks: list[tuple[protection.Limit, str]], *, visitor_scopes: int
                 ) -> tuple[Refusal | None, list[int]]:
    """Step 7: count the post against ``checks`` (narrowest first; the first
    ``visitor_scopes`` are the visitor's own). Returns the refusal, if any, and the counts
    made (a view may read the statement's rate from them)."""
    counts = protection.count_limits(checks)
    if protection.allowed_by(checks, counts):
        return None, counts
    refused_at = len(counts) - 1
    return (Refusal.LIMITED_VISITOR if refused_at < visitor_scopes
            else Refusal.LIMITED_EVERYONE), counts
