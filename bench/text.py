"""Comment text for the benchmark's data and the page-weight test: as varied as people's writing.

A page of one sentence repeated with a different number compresses far better than anything
people write, and a gzip figure measured on it says little about a real discussion. Here every
comment is drawn from a fixed seed: words from a vocabulary of a few thousand, used with the
skewed frequencies of natural language (Zipf: the n-th word about 1/n as often as the first),
one to six sentences of six to eighteen words (a typical comment's length), with now and then
a quote, emphasis or a link. Such text compresses about as English prose does, so page weights
measured on it are what a real discussion of that length would weigh (bench/notes.md, round 8).
"""

from __future__ import annotations

import itertools
import random

_SYLLABLES = ("ka", "lo", "ri", "mu", "te", "sa", "no", "vi", "de", "ra", "po", "li", "an", "er",
              "in", "on", "us", "el", "ta", "mi", "be", "go", "fu", "ze", "ch", "st", "tr", "br",
              "pl", "wa", "ho", "ne", "si", "du", "ke", "ma")


def _vocabulary(size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))] = None
    return list(words)


VOCABULARY = _vocabulary(4000, seed=15)
_CUMULATIVE = list(itertools.accumulate(1 / rank for rank in range(1, len(VOCABULARY) + 1)))


def _sentence(rng: random.Random) -> str:
    words = rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=rng.randint(6, 18))
    if rng.random() < 0.15:
        at = rng.randrange(len(words))
        words[at] = f"*{words[at]}*"
    return " ".join(words).capitalize() + rng.choice((".", ".", ".", "!", "?"))


def comment_body(number: int, seed: int = 15) -> str:
    """The Markdown of comment ``number``: always the same for the same number and seed."""
    rng = random.Random(seed * 1_000_003 + number)
    paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
                  for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.15:
        paragraphs.insert(0, "> " + _sentence(rng))
    if rng.random() < 0.2:
        paragraphs.append(f"[{_sentence(rng)[:-1]}](https://example.org/{number})")
    return "\n\n".join(paragraphs)
