"""Markdown to safe HTML, done once when a text is saved (never on a page view).

Statements get what such texts need (headings, emphasis, links, lists, pull quotes, figures
with caption and credit, tables, passages in another language); comments get a small subset.
Raw HTML in the source is never passed through, and nh3 sanitises whatever markdown-it emits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from urllib.parse import unquote

import nh3
from django.utils.translation import gettext
from markdown_it import MarkdownIt
from markdown_it.token import Token

RTL_LANGUAGES = {"ar", "arc", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "sd", "ur", "yi"}
LANG_MARK = re.compile(r"^\{lang=([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\}\s*")
CREDIT_MARK = re.compile(r"\s*\bCredit:\s*(?P<credit>.+)$", re.IGNORECASE)


def text_direction(language: str) -> str:
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class ResolvedImage:
    src: str
    srcset: str
    width: int
    height: int
    credit: str = ""


ImageResolver = Callable[[str], ResolvedImage | None]


def split_caption(title: str) -> tuple[str, str]:
    """'Marchers at dawn. Credit: El Buho' -> ('Marchers at dawn.', 'El Buho')."""
    match = CREDIT_MARK.search(title)
    if not match:
        return title.strip(), ""
    return title[: match.start()].strip(), match.group("credit").strip()


def figure_html(image: ResolvedImage, alt: str, caption: str, credit: str) -> str:
    credit = credit or image.credit
    parts = [
        "<figure>",
        f'<img src="{escape(image.src)}" srcset="{escape(image.srcset)}" '
        f'sizes="(max-width: 44rem) 100vw, 44rem" width="{image.width}" '
        f'height="{image.height}" alt="{escape(alt)}" loading="lazy" decoding="async">',
    ]
    if caption or credit:
        parts.append("<figcaption>")
        if caption:
            parts.append(escape(caption))
        if credit:
            label = gettext("Credit: %(name)s") % {"name": credit}
            parts.append(f' <small class="credit">{escape(label)}</small>')
        parts.append("</figcaption>")
    parts.append("</figure>")
    return "".join(parts)


def _lone_image(inline: Token) -> Token | None:
    children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
    children = [c for c in children if c.type not in ("softbreak",)]
    if len(children) == 1 and children[0].type == "image":
        return children[0]
    return None


def _apply_statement_rules(tokens: list[Token], resolve_image: ImageResolver | None) -> list[Token]:
    out: list[Token] = []
    # The page's title is the only h1: the text's highest heading becomes h2 and no level is
    # skipped, so the outline stays whole for screen readers.
    used = sorted({int(t.tag[1]) for t in tokens if t.type == "heading_open"})
    heading_level = {level: min(index + 2, 6) for index, level in enumerate(used)}
    in_head = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{heading_level[int(token.tag[1])]}"
        elif token.type in ("thead_open", "thead_close"):
            in_head = token.type == "thead_open"
        elif token.type == "blockquote_open":
            token.attrSet("class", "pull-quote")
        elif token.type in ("th_open", "td_open") and (style := token.attrGet("style")):
            # The CSP forbids inline styles; alignment becomes a class of the stylesheet.
            token.attrs.pop("style", None)
            token.attrSet("class", "align-" + str(style).rsplit(":", 1)[-1])
        if (token.type == "th_open" and in_head and i + 2 < len(tokens)
                and not tokens[i + 1].content.strip()):
            # An empty corner is not a header: a <th> with no text confuses screen readers.
            token.tag = tokens[i + 2].tag = "td"
        if token.type == "paragraph_open" and i + 2 < len(tokens):
            inline = tokens[i + 1]
            if (image := _lone_image(inline)) is not None:
                out.append(_figure_token(image, resolve_image))
                i += 3
                continue
            _mark_language(token, inline)
        out.append(token)
        i += 1
    return out


def _mark_language(opening: Token, inline: Token) -> None:
    match = LANG_MARK.match(inline.content)
    if not match or not inline.children:
        return
    language = match.group(1)
    first = inline.children[0]
    if first.type == "text" and LANG_MARK.match(first.content):
        first.content = LANG_MARK.sub("", first.content, count=1)
        opening.attrSet("lang", language)
        opening.attrSet("dir", text_direction(language))


def _figure_token(image: Token, resolve_image: ImageResolver | None) -> Token:
    src = str(image.attrGet("src") or "")
    alt = image.content or "".join(c.content for c in image.children or [])
    caption, credit = split_caption(str(image.attrGet("title") or ""))
    token = Token("html_block", "", 0)
    resolved = resolve_image(src) if resolve_image else None
    if resolved is None:
        # Never point a visitor's browser at another site; an unknown image shows its text.
        token.content = f'<p class="missing-image">[{escape(alt or caption)}]</p>\n'
    else:
        token.content = figure_html(resolved, alt, caption, credit) + "\n"
    return token


_statement_md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
    ["table", "strikethrough"]
)
_comment_md = MarkdownIt("zero", {"html": False, "typographer": False}).enable(
    ["paragraph", "emphasis", "link", "blockquote", "list", "newline", "escape", "backticks",
     "autolink"]
)

STATEMENT_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "figcaption", "figure", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
STATEMENT_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "loading", "decoding"},
    "p": {"lang", "dir"},
    "ol": {"start"},
    "*": {"lang", "dir"},
}
ALIGN_CLASSES = {"align-left", "align-center", "align-right"}
COMMENT_TAGS = {"a", "blockquote", "br", "code", "em", "li", "ol", "p", "strong", "ul"}
URL_SCHEMES = {"http", "https", "mailto"}


def _only_local_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.startswith("/media/") else None
    if tag == "img" and attribute == "srcset":
        entries = [e.strip() for e in value.split(",")]
        return value if all(e.startswith("/media/") for e in entries) else None
    return value


def render_statement(text: str, resolve_image: ImageResolver | None = None) -> str:
    tokens = _statement_md.parse(text or "")
    tokens = _apply_statement_rules(tokens, resolve_image)
    html = _statement_md.renderer.render(tokens, _statement_md.options, {})
    return nh3.clean(
        html,
        tags=STATEMENT_TAGS,
        attributes=STATEMENT_ATTRIBUTES,
        attribute_filter=_only_local_images,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        allowed_classes={"blockquote": {"pull-quote"}, "p": {"missing-image"},
                         "small": {"credit"},
                         "th": ALIGN_CLASSES, "td": ALIGN_CLASSES},
    )


def render_comment(text: str) -> str:
    """The small subset a reply needs; links are marked as user content, never followed."""
    html = _comment_md.render(text or "")
    return nh3.clean(
        html, tags=COMMENT_TAGS, attributes={"a": {"href"}}, url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    )


_image_md = MarkdownIt("commonmark")


def body_images(body: str) -> Iterable[tuple[str, str, str]]:
    """(src, alt, title) of every image in a Markdown text."""
    stack = list(_image_md.parse(body))
    while stack:
        token = stack.pop(0)
        if token.type == "image":
            alt = token.content or "".join(c.content for c in token.children or [])
            # markdown-it percent-encodes addresses (río.png -> r%C3%ADo.png); files have names.
            src = unquote(str(token.attrGet("src") or ""))
            yield src, alt, str(token.attrGet("title") or "")
        stack[0:0] = list(token.children or [])
