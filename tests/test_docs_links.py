"""Links from docs/*.md into the code name functions that exist there.

docs/derivation.md links each formula as [`function`](../dstft_np/file.py);
renaming or moving the function must fail this test, not leave a dead link.
"""

import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
LINK = re.compile(r"\[([^\]]*)\]\((\.\./[^)#]+\.py)\)")
NAME = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")


def code_links():
    for page in sorted(DOCS.glob("*.md")):
        for text, target in LINK.findall(page.read_text(encoding="utf-8")):
            for name in NAME.findall(text):
                yield pytest.param(page, target, name, id=f"{page.name}:{name}")


@pytest.mark.parametrize("page, target, name", list(code_links()))
def test_linked_function_is_defined_in_the_linked_file(page, target, name):
    source = (page.parent / target).resolve()
    assert source.is_file(), f"{page.name} links to missing {target}"
    text = source.read_text(encoding="utf-8")
    assert re.search(rf"^\s*(def {name}\(|{name} = |class {name}\b)", text, re.M), (
        f"{page.name}: `{name}` is not defined in {target}")


def test_derivation_links_every_kernel():
    linked = {name for _, _, name in (p.values for p in code_links())}
    assert {"window_term", "fill_frames", "frames_vjp", "cell_transform", "cell_vjp",
            "stft_partials", "stft_vjp", "positions_from_hops_vjp"} <= linked
