"""Moderators are told in the digest about organisation sign-ons waiting for review, as they
are about held comments: a real mail through the SMTP server in the tests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from comments import actions as comment_actions
from comments.models import Comment
from core.roles import MODERATOR
from signatures import actions
from tests.conftest import make_statement
from tests.dashboard.conftest import organisation_fields, sign, staff

# The worker runs outside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_digest_names_the_organisation_sign_ons_waiting_per_statement(anon, mailbox, tasks
                                                                          ) -> None:
    staff("mo", MODERATOR)
    water = make_statement()
    air = make_statement("clean-air", title="Clean air")
    for name in ("Union of Rivers", "Delta Guild"):
        actions.do_confirm(sign(anon, water, name="Rosa", **organisation_fields(name)))
    actions.do_confirm(sign(anon, water, name="Quiet", show_name=None,
                            **organisation_fields("Quiet Cooperative")))
    actions.do_confirm(sign(anon, air, name="Sol", **organisation_fields("Sky Watch")))
    sign(anon, air, name="Tim", **organisation_fields("Never Confirmed"))  # not held yet
    actions.do_confirm(sign(anon, air, name="Individual Ida"))  # shown at once
    tasks()
    mailbox.messages.clear()

    assert comment_actions.send_moderation_digest() == 1
    tasks()
    [digest] = mailbox.to("mo@example.org")
    text = mailbox.text(digest)
    assert "4 organisation sign-ons await review" in digest["Subject"]
    assert "comment" not in digest["Subject"]
    assert "Water is life: 3 organisations (Union of Rivers, Delta Guild, …)" in text
    assert "Clean air: 1 organisation (Sky Watch)" in text
    assert (f"/admin/signatures/signature/?statement={water.pk}&status=held"
            "&kind__exact=organisation") in text
    assert f"?statement={air.pk}&status=held&kind__exact=organisation" in text
    # A hidden organisation is counted, never named; no signer's name or address.
    for secret in ("Quiet Cooperative", "Never Confirmed", "Rosa", "Ida", "@example.org"):
        assert secret not in text

    # Nothing new: no digest. A new one held: a digest again, with both kinds of work.
    assert comment_actions.send_moderation_digest() == 0
    Comment.objects.create(statement=air, name="Zed", email="z@example.org", body="Held reply",
                           status=Comment.Status.HELD)
    actions.do_confirm(sign(anon, air, name="Uma", **organisation_fields("Wind Friends")))
    call_command("comments_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    tasks()
    latest = mailbox.to("mo@example.org")[-1]
    assert "1 comment awaits moderation; 5 organisation sign-ons await review" in \
        latest["Subject"]
    assert "Clean air: 2 organisations (Sky Watch, Wind Friends)" in mailbox.text(latest)


def test_a_moderator_of_comments_alone_hears_only_of_comments(anon, mailbox, tasks) -> None:
    from django.contrib.auth.models import Permission

    statement = make_statement()
    only_comments = staff("co")
    only_comments.user_permissions.add(Permission.objects.get(codename="moderate",
                                                              content_type__app_label="comments"))
    actions.do_confirm(sign(anon, statement, name="Rosa", **organisation_fields("Union")))
    tasks()
    # Only sign-ons are waiting: nothing to tell a moderator of comments.
    assert comment_actions.send_moderation_digest() == 0
    Comment.objects.create(statement=statement, name="Zed", email="z@example.org",
                           body="Held one", status=Comment.Status.HELD)
    assert comment_actions.send_moderation_digest() == 1
    tasks()
    [digest] = mailbox.to("co@example.org")
    assert digest["Subject"].strip() == "1 comment awaits moderation"
    assert "Union" not in mailbox.text(digest)
    assert not User.objects.filter(email="mo@example.org").exists()
