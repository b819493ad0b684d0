"""What we hold about an address, for its owner, and forgetting it ("forget me").

Forgetting keeps the public record only as far as its owner chose to be shown: a visible
signature with the name shown keeps its public fields; one counted but not named keeps only
its place in the count; everything never public is deleted or withdrawn. Addresses, IP hashes
and link secrets always go.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core import audit, pagecache
from core.mail import absolute
from privacy.links import normalise


def _signatures(email: str):  # noqa: ANN202
    from signatures.models import Signature

    return Signature.objects.for_address(email)


def _apply_pending_sign_ons() -> None:
    """A sign-on still in the intake (signatures.intake; a fraction of a second old) is data
    we hold too: it becomes a signature first, then is found, exported or forgotten as one."""
    from signatures import intake

    intake.apply_pending()


def export_for_address(email: str) -> dict[str, Any]:
    """Everything stored about an address, JSON-ready."""
    from comments import actions as comment_actions

    _apply_pending_sign_ons()
    signatures = []
    for s in _signatures(email).select_related("statement", "organisation").order_by("id"):
        signatures.append({
            "type": "signature",
            "id": s.pk,
            "statement": s.statement.title,
            "statement_url": absolute(s.statement.get_absolute_url()),
            "kind": s.kind,
            "status": s.status,
            "name": s.name,
            "organisation": s.organisation_name,
            "role": s.role,
            "country": s.country,
            "email": s.email,
            "show_name_publicly": s.show_name,
            "comment": s.comment,
            "language": s.language,
            "signed": s.created_at.isoformat(),
            "confirmed": s.confirmed_at.isoformat() if s.confirmed_at else None,
            "ip_hash_stored": bool(s.ip_hash),
        })
    return {
        "address": normalise(email),
        "generated_at": timezone.now().isoformat(),
        "signatures": signatures,
        "comments": comment_actions.export_for_address(email),
    }


def _forget_signatures(email: str) -> tuple[int, set[int]]:
    from signatures import actions as signature_actions
    from signatures.models import Signature, new_token_salt
    from statements.actions import remove_orphaned_organisations

    touched, statements, organisations = 0, set(), set()
    for signature in list(_signatures(email)):
        touched += 1
        statements.add(signature.statement_id)
        organisations.add(signature.organisation_id)
        if signature.status == Signature.Status.UNCONFIRMED:
            signature.delete()  # never counted, never shown
        elif signature.status == Signature.Status.VISIBLE:
            fields: dict[str, Any] = {"email": "", "ip_hash": "", "token_salt": new_token_salt()}
            if not signature.show_name:
                # Counted, not named: only its place in the count stays.
                fields.update(name="", organisation_name="", role="", country="", comment="",
                              comment_approved=False, organisation=None, sort_name="")
            elif not signature.comment_approved:
                fields.update(comment="")
            Signature.objects.filter(pk=signature.pk).update(**fields)
        else:
            # Held, rejected or already withdrawn: nothing public; withdrawing erases it all and
            # keeps the counters right.
            signature_actions.do_withdraw(signature)
            Signature.objects.filter(pk=signature.pk).update(email="", ip_hash="",
                                                             token_salt=new_token_salt())
    # A record whose only public reference was an erased one must not keep the name either.
    remove_orphaned_organisations(organisations)
    return touched, statements


@transaction.atomic
def forget_address(email: str) -> dict[str, int]:
    from comments import actions as comment_actions

    _apply_pending_sign_ons()
    signatures, statements = _forget_signatures(email)
    comments = comment_actions.erase_address(email, keep_public=True)
    for statement_id in statements:
        transaction.on_commit(lambda sid=statement_id: pagecache.statement_changed(sid))
    # The audit entry says that an erasure happened, never whose: it must not keep the address.
    audit.record("data subject", "privacy.forget", None, signatures=signatures, comments=comments)
    return {"signatures": signatures, "comments": comments}


def holds_anything(email: str) -> bool:
    from comments.models import Comment

    address = normalise(email)
    if not address:
        return False
    _apply_pending_sign_ons()
    return (_signatures(address).exists()
            or Comment.objects.of_mailbox(address).exists())


def do_request_link(email: str, language: str) -> None:
    """Ask for the data-rights link: the same single task row whatever the address (the
    request must not look it up: that took longer for a held address than for an unknown
    one); the worker decides whether anything is mailed (privacy.tasks)."""
    from core.sealed import seal
    from privacy.tasks import LINK_REQUEST, mail_data_rights_link

    mail_data_rights_link.enqueue(sealed=seal(normalise(email), LINK_REQUEST), language=language)
