"""What a commenter can see and erase of their comments (registered in ``CommentsConfig``,
used by the data-rights page through ``core.data_rights``). Comments are found by exact
mailbox (``CommentQuerySet.of_mailbox``), never by the wide key that bans use."""

from __future__ import annotations

from comments import actions
from comments.models import Comment
from core.data_rights import PersonalData


def newest(address: str) -> tuple[int, str] | None:
    return Comment.objects.of_mailbox(address).order_by("-id").values_list("pk", "email").first()


def address_of(comment_id: int) -> str:
    return Comment.objects.filter(pk=comment_id).values_list("email", flat=True).first() or ""


def erase(address: str) -> int:
    return actions.erase_address(address, keep_public=True)


COMMENTS = PersonalData(name="comments", kind="c", model_label="comments.comment",
                        newest=newest, address_of=address_of,
                        export=actions.export_for_address, erase=erase)
