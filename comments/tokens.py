"""Signed tokens: the author's short-lived key to their own comment, and the links in mails."""

from __future__ import annotations

from django.core import signing

AUTHOR_TOKEN_SECONDS = 60 * 60  # viewing one's own held comment: an hour, then it is gone
EDIT_WINDOW_SECONDS = 15 * 60
CONFIRM_TOKEN_SECONDS = 60 * 60 * 24 * 7

_AUTHOR_SALT = "comments.author"
_CONFIRM_SALT = "comments.confirm-notify"
_UNSUBSCRIBE_SALT = "comments.unsubscribe"
_REMEMBER_SALT = "comments.remember"
_REMOVE_SALT = "comments.remove"


class BadToken(Exception):
    pass


def author_token(comment_id: int) -> str:
    return signing.TimestampSigner(salt=_AUTHOR_SALT).sign(str(comment_id))


def check_author_token(token: str, comment_id: int) -> None:
    try:
        value = signing.TimestampSigner(salt=_AUTHOR_SALT).unsign(
            token or "", max_age=AUTHOR_TOKEN_SECONDS)
    except signing.BadSignature as exc:
        raise BadToken from exc
    if value != str(comment_id):
        raise BadToken


def confirm_token(key: str) -> str:
    return signing.dumps(key, salt=_CONFIRM_SALT, compress=False)


def read_confirm_token(token: str) -> str:
    try:
        return str(signing.loads(token or "", salt=_CONFIRM_SALT, max_age=CONFIRM_TOKEN_SECONDS))
    except signing.BadSignature as exc:
        raise BadToken from exc


def unsubscribe_token(key: str) -> str:
    """Never expires: an unsubscribe link must keep working in an old mail."""
    return signing.dumps(key, salt=_UNSUBSCRIBE_SALT, compress=False)


def read_unsubscribe_token(token: str) -> str:
    try:
        return str(signing.loads(token or "", salt=_UNSUBSCRIBE_SALT))
    except signing.BadSignature as exc:
        raise BadToken from exc


def remove_token(comment_id: int) -> str:
    """Never expires: every mail about a comment carries it, and its author may want the
    comment gone years later. It names the comment only (no address, nothing to read)."""
    return signing.Signer(salt=_REMOVE_SALT).sign(str(comment_id))


def read_remove_token(token: str) -> int:
    try:
        value = signing.Signer(salt=_REMOVE_SALT).unsign(token or "")
    except signing.BadSignature as exc:
        raise BadToken from exc
    # Only the form we sign opens the link.
    if not (value.isascii() and value.isdigit()) or str(int(value)) != value:
        raise BadToken
    return int(value)


def remember_value(name: str, email: str, website: str) -> str:
    return signing.dumps({"n": name, "e": email, "w": website}, salt=_REMEMBER_SALT,
                         compress=True)


def read_remember_value(value: str) -> dict[str, str]:
    try:
        data = signing.loads(value or "", salt=_REMEMBER_SALT)
    except signing.BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {"name": str(data.get("n", ""))[:100], "email": str(data.get("e", ""))[:254],
            "website": str(data.get("w", ""))[:200]}
