"""Flood control: rate limits per IP hash, address, statement and site; honeypot; minimum fill
time; the proof-of-work switch; and a POST with no slow path."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments import actions
from comments.models import Comment
from core import protection
from tests.comments.conftest import form_data, post, post_ok

# Every limit counts in windows of the wall clock: a test running across the end of a minute or
# an hour would see its counts start again and a request it expects refused let through.
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("frozen_limit_clock")]


def limit(site, **values: int) -> None:  # noqa: ANN001
    for field, value in values.items():
        setattr(site, field, value)
    site.save()


def test_per_ip_limit(open_statement, _generous_limits):
    limit(_generous_limits, per_ip_per_minute=2)
    client = Client(REMOTE_ADDR="198.51.100.1")
    post_ok(client, open_statement, email="a@example.org")
    post_ok(client, open_statement, email="b@example.org")
    response = post(client, open_statement, email="c@example.org", body="Kept")
    assert response.status_code == 429 and "Kept" in response.content.decode()
    assert Comment.objects.count() == 2
    # Another visitor is not affected.
    post_ok(Client(REMOTE_ADDR="198.51.100.2"), open_statement, email="d@example.org")


def test_per_address_limit(open_statement, _generous_limits):
    limit(_generous_limits, per_address_per_minute=1)
    post_ok(Client(REMOTE_ADDR="198.51.100.1"), open_statement)
    response = post(Client(REMOTE_ADDR="198.51.100.2"), open_statement, email="AMINA@example.org")
    assert response.status_code == 429 and Comment.objects.count() == 1


def test_per_statement_limit(open_statement, statement, _generous_limits):
    limit(_generous_limits, per_statement_per_minute=1)
    post_ok(Client(REMOTE_ADDR="198.51.100.1"), open_statement, email="a@example.org")
    assert post(Client(REMOTE_ADDR="198.51.100.2"), open_statement,
                email="b@example.org").status_code == 429
    post_ok(Client(REMOTE_ADDR="198.51.100.3"), statement, email="c@example.org")
    assert Comment.objects.count() == 2


def test_site_wide_limit(open_statement, statement, _generous_limits):
    limit(_generous_limits, site_per_minute=2)
    post_ok(Client(REMOTE_ADDR="198.51.100.1"), open_statement, email="a@example.org")
    post_ok(Client(REMOTE_ADDR="198.51.100.2"), statement, email="b@example.org")
    assert post(Client(REMOTE_ADDR="198.51.100.3"), open_statement,
                email="c@example.org").status_code == 429
    assert Comment.objects.count() == 2


def test_default_limits_are_on(open_statement, _generous_limits):
    limit(_generous_limits, per_ip_per_minute=5, per_address_per_minute=3)
    codes = [post(Client(REMOTE_ADDR="198.51.100.9"), open_statement, body=f"n{n}").status_code
             for n in range(5)]
    assert codes == [303, 303, 303, 429, 429]


def test_a_flood_from_one_address_does_not_close_the_discussion(open_statement,
                                                                 _generous_limits):
    """Issue 14.7: attempts refused by one address's own limits do not count against the
    statement's and the site's, so one address cannot shut everyone else out."""
    limit(_generous_limits, per_ip_per_minute=5, per_ip_per_hour=40, per_address_per_minute=3,
          per_address_per_hour=30, per_statement_per_minute=120, site_per_minute=600)
    flood = Client(REMOTE_ADDR="198.51.100.66")
    codes = [post(flood, open_statement, email=f"bot{n}@example.org", body=f"Spam {n}"
                  ).status_code for n in range(200)]
    assert codes == [303] * 5 + [429] * 195
    post_ok(Client(REMOTE_ADDR="198.51.100.7"), open_statement, email="person@example.org",
            body="Still heard.")
    assert Comment.objects.count() == 6


def test_honeypot_is_refused_and_stores_nothing(anon, open_statement):
    response = post(anon, open_statement, fax="http://spam.example")
    assert response.status_code == 400 and not Comment.objects.exists()


def test_minimum_fill_time(anon, open_statement, monkeypatch):
    monkeypatch.setattr(protection, "MIN_FILL_SECONDS", 10**9)
    response = post(anon, open_statement, body="Too quick")
    assert response.status_code == 400
    text = response.content.decode()
    assert "quick" in text and "Too quick" in text  # the visitor's text is kept
    assert not Comment.objects.exists()


def test_proof_of_work_switch(anon, open_statement):
    open_statement.proof_of_work = True
    open_statement.save()
    response = anon.get(f"/en/s/{open_statement.slug}/")
    assert 'name="altcha"' in response.content.decode()
    assert post(anon, open_statement).status_code == 400
    assert not Comment.objects.exists()


def test_proof_of_work_solution_is_accepted(anon, open_statement, settings):
    altcha = pytest.importorskip("altcha")
    from core import proof_of_work

    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "POW_MAX_NUMBER": 2000}
    open_statement.proof_of_work = True
    open_statement.save()
    challenge = proof_of_work.new_challenge()
    solution = altcha.solve_challenge_v1(challenge["challenge"], challenge["salt"],
                                         challenge["algorithm"], challenge["maxNumber"], 0)
    import base64
    import json
    payload = base64.b64encode(json.dumps({
        "algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
        "number": solution.number, "salt": challenge["salt"],
        "signature": challenge["signature"]}).encode()).decode()
    assert post(anon, open_statement, altcha=payload).status_code == 303
    # A solution pays for one comment only.
    assert post(anon, open_statement, altcha=payload, body="again").status_code == 400


def test_the_post_is_one_short_transaction_with_no_mail_sent_inside(anon, open_statement,
                                                                    mailbox):
    post_ok(anon, open_statement, body="warm up")
    with CaptureQueriesContext(connection) as queries:
        post_ok(anon, open_statement, body="measured", notify="on")
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    # The comment, the known-address row for the opt-in and the queued mail task.
    assert len(writes) <= 5, writes
    assert len(queries.captured_queries) <= 16, [q["sql"] for q in queries.captured_queries]
    assert mailbox.messages == []  # queued, not sent


def test_every_visible_change_tells_the_page_cache(anon, open_statement, admin_user,
                                                   monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(actions, "statement_changed", calls.append)
    comment = post_ok(anon, open_statement)
    assert calls == [open_statement.pk]
    from comments import tokens
    anon.post(f"/en/comments/c/{comment.pk}/edit/", {"t": tokens.author_token(comment.pk),
                                                     "body": "edited"})
    assert len(calls) == 2
    actions.do_remove([comment], actor=admin_user)
    actions.do_approve([comment], actor=admin_user)
    assert len(calls) == 4
    anon.post(f"/en/comments/c/{comment.pk}/delete/", {"t": tokens.author_token(comment.pk)})
    assert len(calls) == 5


def test_without_javascript_the_refusal_says_what_helps_not_try_again(anon, open_statement):
    """Sending again never helps while the browser cannot run the check: the message says
    to switch JavaScript on or come back later, in the page's language, and keeps the text."""
    open_statement.proof_of_work = True
    open_statement.save()
    response = post(anon, open_statement, body="Mi comentario sin JavaScript")  # altcha empty
    assert response.status_code == 400
    text = response.content.decode()
    assert "Switch JavaScript on" in text and "come back later" in text
    # (The widget's own message for a check that fails with JavaScript on may say so.)
    assert "try again" not in re.sub(r'<div class="field pow".*?</div>', "", text,
                                     flags=re.S).lower()
    assert "Mi comentario sin JavaScript" in text
    spanish = anon.post(f"/es/comments/{open_statement.pk}/", form_data(open_statement)
                        ).content.decode()
    assert "Active JavaScript" in spanish and "Switch JavaScript on" not in spanish
    assert not Comment.objects.exists()


def test_a_proof_that_does_not_hold_is_told_apart_from_javascript_off(anon, open_statement):
    open_statement.proof_of_work = True
    open_statement.save()
    response = post(anon, open_statement, altcha="bm90IGEgcHJvb2Y=")
    assert response.status_code == 400
    text = response.content.decode()
    assert "was not accepted" in text and "Switch JavaScript on" not in text
    assert not Comment.objects.exists()
