"""What a signer can see and erase of their signatures (registered in ``SignaturesConfig``,
used by the data-rights page through ``core.data_rights``).

Forgetting keeps the public record only as far as its owner chose to be shown: a visible
signature with the name shown keeps its public fields; one counted but not named keeps only its
place in the count; everything never public is deleted or withdrawn. Addresses, IP hashes and
link secrets always go. A sign-on still in the intake (a fraction of a second old) is data we
hold too: it is applied first, then found, exported or forgotten as a signature.
"""

from __future__ import annotations

from typing import Any

from core.data_rights import PersonalData
from core.mail import absolute
from signatures import actions, intake, tallies
from signatures.models import Signature, new_token_salt
from statements.actions import remove_orphaned_organisations
from statements.pages import statement_changed


def newest(address: str) -> tuple[int, str] | None:
    intake.apply_pending()
    return (Signature.objects.for_address(address).order_by("-id")
            .values_list("pk", "email").first())


def address_of(signature_id: int) -> str:
    return Signature.objects.filter(pk=signature_id).values_list("email", flat=True).first() or ""


def export(address: str) -> list[dict[str, Any]]:
    intake.apply_pending()
    signatures = (Signature.objects.for_address(address).select_related("statement", "organisation")
                  .prefetch_related("statement__translations"))
    return [{
        "type": "signature",
        "id": s.pk,
        "statement": s.statement.shown.title,
        "statement_language": s.statement.shown.language,
        "statement_url": absolute(s.statement.get_absolute_url()),
        "kind": s.kind,
        "status": s.status,
        "name": s.name,
        "organisation": s.organisation_name,
        "role": s.role,
        "country": s.country,
        "email": s.email,
        "show_name_publicly": s.show_name,
        # Consent to the statement's updates, taken back from any update mail or here.
        "news_about_the_statement": s.wants_news,
        # Consent to be contacted by the coalition: whether its integrations may read this
        # signature's address (docs/api.md); withdrawn from the manage page.
        "may_be_contacted_by_the_coalition": s.wants_contact,
        # How it arrived: the form, the editors, or a partner's tool through the API (and which).
        "source": s.source,
        "referrer": s.referrer,
        "comment": s.comment,
        "language": s.language,
        "signed": s.created_at.isoformat(),
        "confirmed": s.confirmed_at.isoformat() if s.confirmed_at else None,
        "ip_hash_stored": bool(s.ip_hash),
    } for s in signatures.order_by("id")]


def erase(address: str) -> int:
    intake.apply_pending()
    touched, statements, organisations = 0, set(), set()
    for signature in list(Signature.objects.for_address(address)):
        touched += 1
        statements.add(signature.statement_id)
        organisations.add(signature.organisation_id)
        if signature.status == Signature.Status.UNCONFIRMED:
            signature.delete()  # never counted, never shown
        elif signature.status == Signature.Status.VISIBLE:
            # Forgotten, the address goes, and with it the consent to be contacted at it.
            fields: dict[str, Any] = {"email": "", "ip_hash": "", "token_salt": new_token_salt(),
                                      "wants_contact": False}
            if not signature.show_name:
                # Counted, not named: only its place in the count stays.
                fields.update(name="", organisation_name="", role="", country="", comment="",
                              comment_approved=False, organisation=None, sort_name="")
            elif not signature.comment_approved:
                fields.update(comment="")
            Signature.objects.filter(pk=signature.pk).update(**fields)
            if "country" in fields:  # its place in the count stays, not in its country's
                tallied = tallies.contribution(signature)
                signature.country = ""
                tallies.record_change(tallied, tallies.contribution(signature))
        else:
            # Held, rejected or already withdrawn: nothing public; withdrawing erases it all and
            # keeps the counters right.
            actions.do_withdraw(signature)
            Signature.objects.filter(pk=signature.pk).update(email="", ip_hash="",
                                                             token_salt=new_token_salt())
    # A record whose only public reference was an erased one must not keep the name either.
    remove_orphaned_organisations(organisations)
    if statements:
        statement_changed(*statements)
    return touched


SIGNATURES = PersonalData(name="signatures", kind="s", model_label="signatures.signature",
                          newest=newest, address_of=address_of, export=export, erase=erase)
