"""What happens to a comment that apps above may want to know (webhooks, docs/webhooks.md).

Sent by ``comments.actions`` inside the transaction that made the change; receivers connect
in their own ``AppConfig.ready()``, this app never imports them.
"""

from django.dispatch import Signal

# A comment became visible under its statement: posted where no moderation applied, or
# approved by a moderator. Keyword argument: ``comment``.
comment_published = Signal()
