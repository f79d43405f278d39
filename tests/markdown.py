"""The fenced code blocks of the project's markdown pages, for the tests that run them.

README.md and docs/usage.md hold examples that must run as written:
tests/test_readme.py and tests/test_docs_usage.py read them with
``code_blocks``; ``assert_same_output`` compares what a block printed with
the output the page shows under it.
"""

import re
from typing import NamedTuple

__all__ = ["Block", "code_blocks", "python_blocks", "follows", "assert_same_output"]

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


class Block(NamedTuple):
    """One fenced block: its language (the first word after the fence), its text and where it is."""

    language: str
    code: str
    line: int     # 1-based line of the opening fence
    start: int    # offsets of the whole block, fences included, in the page
    end: int


def code_blocks(text):
    """Every fenced block of a markdown page, in order."""
    return [Block(language=(match.group(1).split() or [""])[0], code=match.group(2),
                  line=text.count("\n", 0, match.start()) + 1, start=match.start(), end=match.end())
            for match in _FENCE.finditer(text)]


def python_blocks(text):
    """The text of every ```python block, in order."""
    return [block.code for block in code_blocks(text) if block.language == "python"]


def follows(text, before, after):
    """True when only whitespace separates block `after` from the block `before` it."""
    return not text[before.end:after.start].strip()


#: Relative tolerance of a printed number (platform-dependent rounding in the last digits).
RTOL = 1e-3
#: Magnitude below which a printed number is a rounding error whose size is all that is claimed.
NOISE = 1e-6

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _words_and_numbers(text):
    return " ".join(_NUMBER.sub("#", text).split()), [float(n) for n in _NUMBER.findall(text)]


def assert_same_output(actual, expected, where):
    """Equal words, and numbers equal to RTOL (or both below NOISE in magnitude)."""
    hint = (f"{where} printed\n{actual}\nbut the page shows\n{expected}\n"
            "(python -m tests.test_docs_usage rewrites the page's outputs)")
    actual_words, actual_numbers = _words_and_numbers(actual)
    expected_words, expected_numbers = _words_and_numbers(expected)
    assert actual_words == expected_words and len(actual_numbers) == len(expected_numbers), hint
    for got, shown in zip(actual_numbers, expected_numbers):
        scale = max(abs(got), abs(shown))
        assert scale < NOISE or abs(got - shown) <= RTOL * scale, f"{got!r} is not {shown!r}: {hint}"
