"""What happens to a signature that apps above may want to know (webhooks, docs/webhooks.md).

Sent by ``signatures.actions`` inside the transaction that made the change, so a receiver's
writes commit or roll back with it. This app never imports its receivers: they connect in
their own ``AppConfig.ready()`` (docs/architecture.md, floors).
"""

from django.dispatch import Signal

# The signer confirmed their address (``do_confirm``), whether the signature is then shown or
# held for review. Keyword argument: ``signature``.
signature_confirmed = Signal()

# The signer withdrew (``do_withdraw``; also "forget me"): the name and address are already
# erased from the row when this is sent. Keyword argument: ``signature``.
signature_withdrawn = Signal()
