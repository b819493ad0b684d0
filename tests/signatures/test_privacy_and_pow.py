"""Invariant 1 for signing (no address, IP or hash in any public answer) and proof of work."""

from __future__ import annotations

import base64
import json
import re

import altcha
import pytest
from django.test import Client

from core import proof_of_work
from signatures.models import Signature
from tests.conftest import make_statement
from tests.signatures.conftest import mail_links, post_sign, sign_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_email_ip_or_hash_in_any_public_response(statement, mailbox, tasks):
    client = Client()
    for n in range(40):
        kind = "organisation" if n % 5 == 0 else "individual"
        response = client.post("/en/sign/water-is-life/", sign_data(
            statement, kind=kind, name=f"Signer {n}", organisation=f"Org {n}", role="Member",
            email=f"secret{n}@private.example", show_name="on" if n % 3 else None),
            REMOTE_ADDR=f"192.0.2.{n + 1}", HTTP_USER_AGENT=f"SecretAgent/{n}")
        assert response.status_code == 303
    tasks()
    for n in range(40):
        client.post(mail_links(mailbox, f"secret{n}@private.example")["confirm"])
    from signatures.actions import do_approve
    do_approve(Signature.objects.all(), actor=None)
    hashes = set(Signature.objects.values_list("ip_hash", flat=True))
    assert len(hashes) == 40
    urls = ["/", "/en/", "/es/", "/en/s/water-is-life/", "/es/s/water-is-life/",
            "/en/sign/water-is-life/sent/", "/en/signatories/water-is-life/",
            "/en/signatories/water-is-life/?kind=organisation",
            "/en/signatories/water-is-life/?order=name", "/en/signatories/water-is-life/?q=signer",
            "/en/organisation/org-5/", "/en/organisation/river-keepers/"]
    bodies = []
    for url in urls:
        response = Client().get(url, follow=True)
        assert response.status_code == 200, url
        bodies.append(response.content.decode() + str(response.headers))
    public = "\n".join(bodies)
    assert "Signer 1" in public and "Org 5" in public
    assert "private.example" not in public
    assert "SecretAgent" not in public
    for n in range(40):
        assert f"192.0.2.{n + 1}" not in public
    for value in hashes:
        assert value not in public and value[:12] not in public


def test_proof_of_work_off_by_default_and_the_page_has_no_script(anon, statement):
    html = anon.get("/en/s/water-is-life/").content.decode()
    assert "<script" not in html and "altcha" not in html


def solution(challenge: dict) -> str:
    solved = altcha.solve_challenge_v1(challenge["challenge"], challenge["salt"],
                                       challenge["algorithm"], challenge["maxNumber"], 0)
    return base64.b64encode(json.dumps({
        "algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
        "number": solved.number, "salt": challenge["salt"],
        "signature": challenge["signature"]}).encode()).decode()


def test_proof_of_work_when_switched_on(settings, anon):
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "POW_MAX_NUMBER": 2000}
    statement = make_statement("attacked", proof_of_work=True)
    html = anon.get("/en/s/attacked/").content.decode()
    assert 'src="/static/signatures/pow.js"' in html
    assert "<noscript>" in html and "needs JavaScript" in html
    assert html == Client().get("/en/s/attacked/").content.decode()  # no challenge in the page
    assert "style=" not in html
    refused = post_sign(anon, statement, email="a@example.org")
    assert refused.status_code == 400
    assert b"anti-flood check" in refused.content
    assert b'value="Ana Lima"' in refused.content
    response = anon.get("/pow/challenge")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    challenge = response.json()
    assert challenge["maxNumber"] == 2000
    payload = solution(challenge)
    assert post_sign(anon, statement, email="a@example.org", altcha=payload).status_code == 303
    # One solution, one submission.
    again = post_sign(anon, statement, email="b@example.org", altcha=payload)
    assert again.status_code == 400
    assert Signature.objects.count() == 1
    assert anon.post("/pow/challenge").status_code == 405


@pytest.mark.parametrize("payload", ["", "not base64!", base64.b64encode(b"[1,2]").decode(),
                                     base64.b64encode(b'{"algorithm": "SHA-256"}').decode(),
                                     base64.b64encode(json.dumps({
                                         "algorithm": "SHA-256", "challenge": "x", "number": 1,
                                         "salt": {"a": 1}, "signature": "y"}).encode()).decode(),
                                     base64.b64encode(b"\xff\xfe").decode(), "A" * 5000])
def test_forged_proof_of_work_is_refused(payload):
    assert proof_of_work.verify_payload(payload) is False


def test_forged_signature_on_a_solved_challenge_is_refused():
    challenge = proof_of_work.new_challenge()
    challenge["maxNumber"] = 100_000
    data = json.loads(base64.b64decode(solution(challenge)))
    data["signature"] = "0" * 64
    assert proof_of_work.verify_payload(base64.b64encode(json.dumps(data).encode()).decode()) \
        is False


def test_without_javascript_the_sign_form_says_what_helps_in_the_pages_language(anon):
    statement = make_statement("attacked", proof_of_work=True)
    english = post_sign(anon, statement, email="a@example.org").content.decode()
    assert "Switch JavaScript on" in english and "come back later" in english
    # (The widget's own message for a check that fails with JavaScript on may say so.)
    assert "try again" not in re.sub(r'<div class="field pow".*?</div>', "", english,
                                     flags=re.S).lower()
    spanish = post_sign(anon, statement, language="es", email="a@example.org").content.decode()
    assert "Active JavaScript" in spanish and "Switch JavaScript on" not in spanish
    failed = post_sign(anon, statement, email="a@example.org", altcha="bm90IGEgcHJvb2Y=")
    assert failed.status_code == 400 and b"was not accepted" in failed.content
    assert not Signature.objects.exists()


def test_form_refusals_are_in_the_pages_language(anon, statement):
    """The messages are read per request, not once when the code is loaded."""
    expired = post_sign(anon, statement, language="es", email="a@example.org",
                        form_token="1:0:0").content.decode()
    assert "This form was open for too long" not in expired
    assert "Este formulario estuvo abierto demasiado tiempo" in expired
