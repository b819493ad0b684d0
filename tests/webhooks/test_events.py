"""Which changes become events, what their payloads say, and what they never say."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from comments import actions as comment_actions
from signatures import actions as signature_actions
from signatures import signals as signature_signals
from signatures.models import Signature
from statements import actions as statement_actions
from statements.models import Statement
from tests.conftest import make_statement
from tests.webhooks.conftest import confirmed, make_endpoint
from webhooks import delivery
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def delivered(receiver: Any, secret: str) -> list[dict[str, Any]]:
    delivery.deliver_due()
    return [payload[0] for payload in receiver.verified(secret)]


# --- privacy ----------------------------------------------------------------------------------

def test_a_count_only_signer_and_a_hidden_organisation_are_never_named(receiver, editor,
                                                                       statement):
    endpoint = make_endpoint(receiver.url, actor=editor, scope=WebhookEndpoint.Scope.PRIVATE)
    confirmed(statement, name="Quiet Person", show_name=False, wants_contact=True)
    statement.signature_moderation = Statement.SignatureModeration.NONE
    statement.save()
    confirmed(statement, kind=Signature.Kind.ORGANISATION, name="Rep Name",
              organisation="Secret Union", show_name=False, email="union@example.org")

    items = delivered(receiver, endpoint.secret)
    assert len(items) == 2
    for request in receiver.requests:
        for word in (b"Quiet", b"Rep Name", b"Secret Union", b"Brazil"):
            assert word not in request.body
    quiet, union = (item["osdi:signature"] for item in items)
    assert quiet["undersigned:status"] == union["undersigned:status"] == "counted"
    assert quiet["undersigned:display"] == union["undersigned:display"] == {}
    # Private scope and consent: the address alone, still no name.
    assert quiet["person"] == {"email_addresses": [{"address": "ana@example.org",
                                                    "primary": True}]}
    assert "person" not in union  # no consent to be contacted


def test_addresses_only_with_private_scope_and_the_signers_consent(receiver, editor,
                                                                   statement):
    public = make_endpoint(receiver.url + "/public", actor=editor)
    private = make_endpoint(receiver.url + "/private", actor=editor,
                            scope=WebhookEndpoint.Scope.PRIVATE)
    confirmed(statement, email="yes@example.org", wants_contact=True)
    confirmed(statement, email="no@example.org", name="Bea", wants_contact=False)
    delivery.deliver_due()

    by_path: dict[str, list[bytes]] = {}
    for request in receiver.requests:
        by_path.setdefault(request.path, []).append(request.body)
    assert len(by_path["/hooks/public"]) == len(by_path["/hooks/private"]) == 2
    assert not any(b"@" in body for body in by_path["/hooks/public"])
    private_bodies = b"".join(by_path["/hooks/private"])
    assert b"yes@example.org" in private_bodies
    assert b"no@example.org" not in private_bodies
    for request in receiver.requests:
        secret = public.secret if request.path.endswith("public") else private.secret
        Webhook(secret).verify(request.body, request.headers)


def test_a_signer_who_withdrew_before_delivery_is_not_named(receiver, editor, statement):
    endpoint = make_endpoint(receiver.url, actor=editor, scope=WebhookEndpoint.Scope.PRIVATE)
    signature = confirmed(statement, wants_contact=True)
    signature_actions.do_withdraw(signature)

    confirmed_item, withdrawn_item = delivered(receiver, endpoint.secret)
    assert confirmed_item["undersigned:event"] == "signature.confirmed"
    assert withdrawn_item["undersigned:event"] == "signature.withdrawn"
    for item in (confirmed_item, withdrawn_item):
        resource = item["osdi:signature"]
        assert resource["undersigned:status"] == "withdrawn"
        assert resource["undersigned:display"] == {}
        assert "person" not in resource
    for request in receiver.requests:
        assert b"Ana" not in request.body and b"ana@example.org" not in request.body


def test_an_unconfirmed_sign_on_withdrawn_is_no_event(receiver, editor, statement):
    make_endpoint(receiver.url, actor=editor)
    signature = Signature.objects.create(statement=statement, kind="individual", name="Ana",
                                         email="ana@example.org", language="en")
    signature_actions.do_withdraw(signature)
    assert not WebhookDelivery.objects.exists()


def test_a_held_signature_is_confirmed_but_shown_only_once_approved(receiver, editor,
                                                                    statement):
    statement.signature_moderation = Statement.SignatureModeration.ALL
    statement.save()
    endpoint = make_endpoint(receiver.url, actor=editor)
    signature = confirmed(statement)
    assert signature.status == Signature.Status.HELD
    (item,) = delivered(receiver, endpoint.secret)
    assert item["osdi:signature"]["undersigned:display"] == {}
    assert b"Ana" not in receiver.requests[0].body
    signature_actions.do_approve(Signature.objects.filter(pk=signature.pk), actor=editor)
    assert WebhookDelivery.objects.count() == 1  # approval is no second event


# --- what becomes an event --------------------------------------------------------------------

def test_only_the_chosen_events_of_the_chosen_statement(receiver, editor, statement):
    other = make_statement("other-statement")
    make_endpoint(receiver.url, actor=editor, statement=other,
                  events=[Event.SIGNATURE_CONFIRMED])
    make_endpoint(receiver.url, actor=editor, events=[Event.SIGNATURE_WITHDRAWN])
    confirmed(statement)  # neither: the first is about the other statement
    assert not WebhookDelivery.objects.exists()
    confirmed(other, email="bea@example.org")
    assert WebhookDelivery.objects.get().event == Event.SIGNATURE_CONFIRMED


def test_no_endpoint_no_query(editor, statement):
    signature = confirmed(statement)  # the endpoints are read once per process and change
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            signature_signals.signature_confirmed.send(sender=Signature, signature=signature)
    assert len(queries) == 0
    # An endpoint for another statement: still none.
    make_endpoint("https://crm.example.org/", actor=editor, statement=make_statement("other"))
    signature_signals.signature_confirmed.send(sender=Signature, signature=signature)
    with CaptureQueriesContext(connection) as queries:
        signature_signals.signature_confirmed.send(sender=Signature, signature=signature)
    assert len(queries) == 0
    # One that wants it: one INSERT for its row.
    make_endpoint("https://crm.example.org/", actor=editor)
    signature_signals.signature_confirmed.send(sender=Signature, signature=signature)
    with CaptureQueriesContext(connection) as queries:
        signature_signals.signature_confirmed.send(sender=Signature, signature=signature)
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")


def test_the_rows_roll_back_with_the_change(editor, statement):
    from django.db import transaction

    make_endpoint("https://crm.example.org/", actor=editor)
    signature = Signature.objects.create(statement=statement, kind="individual", name="Ana",
                                         email="ana@example.org", language="en")
    with pytest.raises(RuntimeError), transaction.atomic():
        signature_actions.do_confirm(signature)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the confirmation fails after the event")
    assert not WebhookDelivery.objects.exists()


def test_a_comment_published_at_once_or_when_approved(receiver, editor, statement):
    endpoint = make_endpoint(receiver.url, actor=editor, events=[Event.COMMENT_PUBLISHED])
    statement.comment_moderation = Statement.CommentModeration.ALL
    statement.save()
    held = comment_actions.do_post_comment(statement, comment_actions.NewComment(
        name="Rosa", email="rosa@example.org", website="", body="Held first."), ip_hash="x")
    assert not WebhookDelivery.objects.exists()  # held: not public, no event
    comment_actions.do_approve([held], actor=editor)
    statement.comment_moderation = Statement.CommentModeration.NONE
    statement.save()
    shown = comment_actions.do_post_comment(statement, comment_actions.NewComment(
        name="Tomas", email="tomas@example.org", website="", body="Shown **at once**.",
        parent_id=held.pk), ip_hash="x")

    first, second = delivered(receiver, endpoint.secret)
    assert first["undersigned:comment"]["author"] == {"name": "Rosa"}
    reply = second["undersigned:comment"]
    assert reply["identifiers"] == [f"undersigned:comment-{shown.pk}"]
    assert reply["in_reply_to"] == f"undersigned:comment-{held.pk}"
    assert reply["body"] == "Shown **at once**."
    assert "<strong>at once</strong>" in reply["description"]
    assert reply["browser_url"].endswith(f"/s/water-is-life/#comment-{shown.pk}")
    for request in receiver.requests:
        assert b"@example.org" not in request.body


def test_a_comment_removed_before_delivery_is_not_sent_on(receiver, editor, statement):
    endpoint = make_endpoint(receiver.url, actor=editor, events=[Event.COMMENT_PUBLISHED])
    statement.comment_moderation = Statement.CommentModeration.NONE
    statement.save()
    comment = comment_actions.do_post_comment(statement, comment_actions.NewComment(
        name="Rosa", email="rosa@example.org", website="", body="Regret this."), ip_hash="x")
    comment_actions.do_remove([comment], actor=editor)
    (item,) = delivered(receiver, endpoint.secret)
    assert item["undersigned:comment"] == {
        "identifiers": [f"undersigned:comment-{comment.pk}"], "undersigned:status": "removed"}


def test_a_statement_published_then_changed(receiver, editor):
    endpoint = make_endpoint(receiver.url, actor=editor,
                             events=[Event.STATEMENT_PUBLISHED, Event.STATEMENT_CHANGED])
    draft = make_statement("new-call", status=Statement.Status.DRAFT, title="A new call")
    statement_actions.do_save_statement(draft, actor=editor, created=False)  # draft edit
    assert not WebhookDelivery.objects.exists()
    statement_actions.do_publish(draft, actor=editor)
    draft.title = "A new call, corrected"
    statement_actions.do_save_statement(draft, actor=editor, created=False,
                                        previous_status=Statement.Status.PUBLISHED)
    statement_actions.do_save_statement(draft, actor=editor, created=False)  # no change
    statement_actions.do_close(draft, actor=editor)

    events = list(WebhookDelivery.objects.values_list("event", flat=True))
    assert events == ["statement.published", "statement.changed", "statement.changed"]
    items = delivered(receiver, endpoint.secret)
    petition = items[0]["osdi:petition"]
    assert petition["title"] == "A new call, corrected"  # as it is when delivered
    assert petition["identifiers"] == [f"undersigned:petition-{draft.pk}"]
    assert petition["_links"]["osdi:signatures"]["href"].endswith(
        f"/api/v1/petitions/{draft.pk}/signatures")


def test_a_statement_back_to_draft_shows_nothing_of_its_text(receiver, editor, statement):
    endpoint = make_endpoint(receiver.url, actor=editor, events=[Event.STATEMENT_CHANGED])
    statement_actions.do_change_status(statement, Statement.Status.DRAFT, actor=editor)
    (item,) = delivered(receiver, endpoint.secret)
    assert item["osdi:petition"] == {"identifiers": [f"undersigned:petition-{statement.pk}"],
                                     "undersigned:status": "draft"}


@pytest.mark.django_db(transaction=True)  # the foreign key is checked when the change commits
def test_an_endpoint_deleted_in_another_process_never_breaks_a_confirmation(editor, statement):
    endpoint = make_endpoint("https://crm.example.org/", actor=editor)
    confirmed(statement)  # this process now keeps the endpoint in its copy
    # Deleted by another process: this one's copy is up to a second old.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
    signature = confirmed(statement, email="bea@example.org", name="Bea")
    assert Signature.objects.get(pk=signature.pk).status == Signature.Status.VISIBLE
    assert not WebhookDelivery.objects.exists()


def test_many_events_in_one_transaction_wake_the_worker_once(editor, statement,
                                                             django_capture_on_commit_callbacks):
    from django.db import transaction

    from webhooks import events, tasks

    make_endpoint("https://crm.example.org/", actor=editor)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for comment_id in range(3):  # as a moderator's bulk approval sends them
            events.record(Event.COMMENT_PUBLISHED, statement.pk, comment_id)
    assert WebhookDelivery.objects.count() == 3
    assert [callback for callback in callbacks if callback is tasks.wake] == [tasks.wake]
