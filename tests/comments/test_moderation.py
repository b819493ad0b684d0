"""Policies, word lists, the link limit, the admin queue, bans, lockdown and the audit log."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from comments import actions, rules
from comments.models import Ban, Comment, KnownAddress, email_key
from core.models import AuditEntry
from statements.models import Statement
from tests.comments.conftest import page, post, post_ok
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db(transaction=True)
Policy = Statement.CommentModeration


@pytest.mark.parametrize(("policy", "first", "second"), [
    (Policy.NONE, "visible", "visible"),
    (Policy.FIRST, "held", "held"),
    (Policy.ALL, "held", "held"),
])
def test_policies(anon, policy, first, second):
    statement = make_statement(f"p-{policy}", comment_moderation=policy)
    assert post_ok(anon, statement).status == first
    assert post_ok(anon, statement, body="again").status == second


def test_first_policy_trusts_an_address_once_a_comment_was_approved(anon, statement, admin_user):
    held = post_ok(anon, statement, email="Amina@Example.org")
    assert held.status == Comment.Status.HELD
    actions.do_approve([held], actor=admin_user)
    # Any spelling of the same address is recognised; the name typed does not matter.
    assert post_ok(anon, statement, email=" amina@EXAMPLE.org", name="Other name").status == \
        Comment.Status.VISIBLE
    # A name that was approved does not carry trust to another address.
    assert post_ok(anon, statement, email="imposter@example.org").status == Comment.Status.HELD
    # Only a keyed hash of the address is kept in the table of approved addresses.
    known = KnownAddress.objects.get()
    assert known.email_key == email_key("amina@example.org") and "@" not in known.email_key


def test_first_policy_trusts_an_address_that_confirmed_itself(anon, statement):
    actions.do_confirm_notifications(email_key("amina@example.org"))
    assert post_ok(anon, statement).status == Comment.Status.VISIBLE


def test_closed_policy_refuses(anon):
    closed = make_statement("closed", comment_moderation=Policy.CLOSED)
    assert post(anon, closed).status_code == 403 and not Comment.objects.exists()


@pytest.mark.parametrize("field", ["name", "email", "website", "body"])
def test_hold_and_spam_words_are_checked_on_every_field(anon, open_statement, _generous_limits,
                                                        field):
    _generous_limits.hold_words = "dirtyword\nbuy now"
    _generous_limits.spam_words = "casino*"
    _generous_limits.save()
    values = {"name": "ＤｉｒｔｙＷｏｒｄ", "email": "dirtyword@example.org",
              "website": "https://dirtyword.example", "body": "di\u200brtyword!"}
    held = post_ok(anon, open_statement, **{field: values[field]})
    assert held.status == Comment.Status.HELD, field
    spam_values = {"name": "CASINOS", "email": "casino@example.org",
                   "website": "https://casino.example", "body": "Best Casinoroyale"}
    spam = post_ok(anon, open_statement, **{field: spam_values[field]})
    assert spam.status == Comment.Status.SPAM
    assert spam_values[field] not in page(anon, open_statement)


def test_words_match_whole_words_after_normalisation():
    assert rules.matches("ass", "What an ASS")
    assert not rules.matches("ass", "A classic class")
    assert rules.matches("buy now", "BUY\n  NOW")
    assert rules.matches("ﬁlth", "FILTH")  # NFKC folds the ligature
    assert rules.matches("straße", "STRASSE")  # casefold
    assert not rules.matches("", "anything")


def test_more_links_than_allowed_are_held(anon, open_statement, _generous_limits):
    two = "[a](https://a.example) and [b](https://b.example)"
    assert post_ok(anon, open_statement, body=two).status == Comment.Status.VISIBLE
    assert post_ok(anon, open_statement, body=two, website="https://c.example").status == \
        Comment.Status.HELD
    _generous_limits.max_links = 0
    _generous_limits.save()
    assert post_ok(anon, open_statement, body="<https://a.example>").reason == "too many links"


def moderator() -> User:
    user = User.objects.create_user("mod", "mod@example.org", "a long password 123",
                                    is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="comments", codename__in=["moderate", "view_comment", "view_ban"]))
    return user


def admin_action(client: Client, action: str, comments: list[Comment], **extra: str):  # noqa: ANN201
    return client.post("/admin/comments/comment/", {
        "action": action, "_selected_action": [c.pk for c in comments], **extra})


def test_admin_queue_bulk_approve_spam_remove_with_audit(anon, statement):
    # Bodies no random form token on the page can contain by chance (it did hold "c3" once).
    comments = [post_ok(anon, statement, body=f"comment {n}", email=f"p{n}@example.org")
                for n in range(4)]
    client = Client()
    client.force_login(moderator())
    queue = client.get("/admin/comments/comment/?status__exact=held")
    assert queue.status_code == 200 and "comment 0" in queue.content.decode()
    admin_action(client, "approve", comments[:2])
    admin_action(client, "mark_spam", comments[2:3])
    admin_action(client, "remove", comments[3:])
    statuses = dict(Comment.objects.values_list("body", "status"))
    assert statuses == {"comment 0": "visible", "comment 1": "visible", "comment 2": "spam",
                        "comment 3": "removed"}
    html = page(anon, statement)
    assert "comment 0" in html and "comment 1" in html
    assert "comment 2" not in html and "comment 3" not in html
    logged = list(AuditEntry.objects.order_by("id").values_list("action", "target_id",
                                                                  "actor_name"))
    assert logged == [("comment.approve", str(comments[0].pk), "mod"),
                      ("comment.approve", str(comments[1].pk), "mod"),
                      ("comment.spam", str(comments[2].pk), "mod"),
                      ("comment.remove", str(comments[3].pk), "mod")]


def test_people_without_the_moderate_permission_cannot_act(anon, statement):
    comment = post_ok(anon, statement)
    user = User.objects.create_user("viewer", "v@example.org", "a long password 123",
                                    is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client = Client()
    client.force_login(user)
    admin_action(client, "approve", [comment])
    assert Comment.objects.get().status == Comment.Status.HELD
    assert client.get("/admin/comments/comment/lockdown/").status_code == 403


def test_ban_an_address_or_ip_hash_for_n_days(anon, open_statement):
    bad = post_ok(anon, open_statement, email="troll@example.org", body="troll")
    client = Client()
    client.force_login(moderator())
    form = admin_action(client, "ban", [bad])
    assert form.status_code == 200 and "Ban" in form.content.decode()
    admin_action(client, "ban", [bad], kind="address", days="7", note="slurs", also_spam="on",
                 apply="Ban")
    ban = Ban.objects.get()
    assert ban.kind == "address" and ban.value == email_key("troll@example.org")
    assert timedelta(days=6) < ban.until - timezone.now() <= timedelta(days=7)
    assert Comment.objects.get(pk=bad.pk).status == Comment.Status.SPAM
    assert post_ok(anon, open_statement, email="TROLL@example.org").status == Comment.Status.SPAM
    assert post_ok(anon, open_statement, email="someone@example.org").status == \
        Comment.Status.VISIBLE
    assert AuditEntry.objects.filter(action="comment.ban.address").exists()
    # IP hash ban: same day, same address of the visitor, whatever the email.
    actions.do_ban([bad], actor=None, kind=Ban.Kind.IP_HASH, days=1)
    assert post_ok(anon, open_statement, email="fresh@example.org").status == Comment.Status.SPAM
    # Bans end: a week and a day later the same address and network are welcome again.
    later = timezone.now() + timedelta(days=8)
    with mock.patch.object(timezone, "now", return_value=later):
        assert post_ok(anon, open_statement, email="troll@example.org").status == \
            Comment.Status.VISIBLE


def test_one_click_lockdown_hold_or_close_for_a_chosen_time(anon, open_statement):
    client = Client()
    client.force_login(moderator())
    assert client.get("/admin/comments/comment/lockdown/").status_code == 200
    client.post("/admin/comments/comment/lockdown/",
                {"statement": open_statement.pk, "mode": "hold", "hours": "6"})
    open_statement.refresh_from_db()
    assert open_statement.comments_lock_mode == "hold"
    assert post_ok(anon, open_statement).status == Comment.Status.HELD
    assert "checked by a moderator" in page(anon, open_statement)
    client.post("/admin/comments/comment/lockdown/",
                {"statement": open_statement.pk, "mode": "close", "hours": "1"})
    assert post(anon, open_statement, body="closed now").status_code == 403
    client.post("/admin/comments/comment/lockdown/", {"lift": open_statement.pk})
    assert post_ok(anon, open_statement, body="open again").status == Comment.Status.VISIBLE
    # A lockdown that ran out is no lockdown.
    Statement.objects.filter(pk=open_statement.pk).update(
        comments_lock_mode="close", comments_locked_until=timezone.now() - timedelta(minutes=1))
    assert post(anon, open_statement, body="after expiry").status_code == 303
    actions_logged = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"comment.lockdown", "comment.lockdown.lift"} <= actions_logged


def test_settings_changes_are_audited(admin_client):
    response = admin_client.get("/admin/comments/moderationsettings/")
    assert response.status_code == 302
    change = admin_client.get(response["Location"])
    assert change.status_code == 200


def test_admin_shows_the_sanitised_body_never_raw_html(anon, open_statement, admin_client):
    comment = post_ok(anon, open_statement, body="<script>alert(1)</script> **ok**")
    html = admin_client.get(f"/admin/comments/comment/{comment.pk}/change/").content.decode()
    assert "<script>alert(1)</script>" not in html


def test_a_lifted_ban_lets_the_address_comment_again_at_once(anon, open_statement):
    bad = post_ok(anon, open_statement, email="sorry@example.org", body="first")
    (ban,) = actions.do_ban([bad], actor=None, kind=Ban.Kind.ADDRESS, days=7)
    assert post_ok(anon, open_statement, email="sorry@example.org").status == Comment.Status.SPAM
    actions.do_lift_ban(ban, actor=None)
    assert post_ok(anon, open_statement, email="sorry@example.org").status == \
        Comment.Status.VISIBLE
    assert AuditEntry.objects.filter(action="comment.ban.lift").exists()


@pytest.mark.parametrize("keep_public", [True, False])
def test_erasing_an_address_keeps_its_ban(anon, open_statement, keep_public):
    """A ban holds only a keyed hash: "forget me" erases the address, not the ban, or it would
    be the way round every ban."""
    from privacy.actions import forget_address

    bad = post_ok(anon, open_statement, email="erased@example.org", body="first")
    actions.do_ban([bad], actor=None, kind=Ban.Kind.ADDRESS, days=7)
    if keep_public:
        forget_address("erased@example.org")  # what the data-rights page's button does
    else:
        actions.erase_address("erased@example.org", keep_public=False)
    assert not Comment.objects.filter(email="erased@example.org").exists()
    ban = Ban.objects.get()
    assert ban.value == email_key("erased@example.org") and "@" not in ban.value
    assert rules.is_banned(email_key("Erased@example.org"), "") is True
    assert post_ok(anon, open_statement, email="erased@example.org", body="back again").status \
        == Comment.Status.SPAM


def role_user(role: str) -> User:
    from django.contrib.auth.models import Group

    from core.roles import ensure_role_groups

    ensure_role_groups()
    user = User.objects.create_user(role, f"{role}@example.org", "a long password 123",
                                    is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_moderators_neither_see_nor_search_commenters_addresses(anon, open_statement):
    """Like signers' addresses, commenters' are only for those who may export addresses."""
    comment = post_ok(anon, open_statement, email="hidden.person@example.org",
                      body="Unique words zebra")
    moderator_client, editor_client = Client(), Client()
    moderator_client.force_login(role_user("moderator"))
    editor_client.force_login(role_user("editor"))
    changelist = "/admin/comments/comment/"
    for path in (changelist, f"{changelist}{comment.pk}/change/"):
        seen = moderator_client.get(path)
        assert seen.status_code == 200
        assert "zebra" in seen.content.decode() and "hidden.person" not in seen.content.decode()
        assert "hidden.person@example.org" in editor_client.get(path).content.decode()
    # Searching by address finds nothing for a moderator (the page echoes the query: look for
    # the comment instead), and filtering by it from the query string is refused.
    search = {"q": "hidden.person@example.org"}
    assert "zebra" not in moderator_client.get(changelist, search).content.decode()
    assert "zebra" in editor_client.get(changelist, search).content.decode()
    for probe in ("email__startswith", "email", "email_key"):
        assert moderator_client.get(changelist, {probe: "h"}).status_code == 400
    assert "zebra" in editor_client.get(changelist, {"email__startswith": "hidden"}
                                        ).content.decode()


def test_the_moderator_group_lists_and_lifts_bans(anon, open_statement):
    bad = post_ok(anon, open_statement, email="sorry@example.org", body="first")
    (ban,) = actions.do_ban([bad], actor=None, kind=Ban.Kind.ADDRESS, days=7)
    client = Client()
    client.force_login(role_user("moderator"))
    listed = client.get("/admin/comments/ban/")
    assert listed.status_code == 200 and ban.value[:12] in listed.content.decode()
    assert client.get(f"/admin/comments/ban/{ban.pk}/change/").status_code == 200
    response = client.post("/admin/comments/ban/", {"action": "lift",
                                                    "_selected_action": [ban.pk]})
    assert response.status_code == 302
    assert not Ban.objects.active().exists()
    assert AuditEntry.objects.filter(action="comment.ban.lift", actor_name="moderator").exists()
    assert post_ok(anon, open_statement, email="sorry@example.org").status == \
        Comment.Status.VISIBLE
    # Someone who may only read comments may not lift a ban.
    (ban,) = actions.do_ban([bad], actor=None, kind=Ban.Kind.ADDRESS, days=7)
    viewer = User.objects.create_user("viewer", "v@example.org", "a long password 123",
                                      is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_comment",
                                                                         "view_ban"]))
    client.force_login(viewer)
    client.post("/admin/comments/ban/", {"action": "lift", "_selected_action": [ban.pk]})
    assert Ban.objects.active().filter(pk=ban.pk).exists()
