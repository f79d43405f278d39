"""The fenced code blocks of the project's markdown pages, for the tests that run them.

README.md and docs/usage.md hold examples that must run as written:
tests/test_readme.py and tests/test_docs_usage.py read them with
``code_blocks``.
"""

import re
from typing import NamedTuple

__all__ = ["Block", "code_blocks", "python_blocks", "follows"]

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
