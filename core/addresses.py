"""Email addresses: one normaliser per purpose, in one place.

* ``mailbox``: which mailbox an address names — trimmed, NFC, lower case. What is stored
  (signatures and comments keep their addresses in this form), what a signer is recognised by
  (one signature per mailbox and statement), and what only the mailbox's owner may see or erase
  (the data-rights page) is matched by it. Case is never significant in practice, and treating
  it as such would let one person sign twice.
* ``wide``: a looser match for what must not be dodged by a look-alike spelling — NFKC and
  case folding (``ß`` → ``ss``, full-width letters → ASCII). Comment bans, approvals and
  subscriptions use it (through ``comments.models.email_key``). It joins mailboxes that differ,
  so it never decides what someone may see or erase.
"""

from __future__ import annotations

import unicodedata


def mailbox(address: str) -> str:
    return unicodedata.normalize("NFC", address or "").strip().lower()


def wide(address: str) -> str:
    return unicodedata.normalize("NFKC", (address or "").strip()).casefold()
