"""Links from docs/*.md into the code name functions that exist there, and links to sections exist.

docs/derivation.md links each formula as [`function`](../dstft_np/file.py);
renaming or moving the function must fail this test, not leave a dead link.
Links to a section of a page ([…](derivation.md#2-ωθ)) must name a heading
of that page, so renumbering or renaming a section fails here too.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
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


SECTION_LINK = re.compile(r"\]\(([\w./-]*\.md)?#([^)\s]+)\)")


def _anchor(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def section_links():
    for page in [ROOT / "README.md"] + sorted(DOCS.glob("*.md")):
        for target, anchor in SECTION_LINK.findall(page.read_text(encoding="utf-8")):
            yield pytest.param(page, page.parent / target if target else page, anchor,
                               id=f"{page.name}->{target or page.name}#{anchor}")


@pytest.mark.parametrize("page, target, anchor", list(section_links()))
def test_section_link_names_a_heading_of_its_page(page, target, anchor):
    assert target.is_file(), f"{page.name} links to missing {target.name}"
    headings = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), re.M)
    assert anchor in {_anchor(h) for h in headings}, (
        f"{page.name} links to {target.name}#{anchor}, but {target.name} has no such heading")


def test_anchor_follows_github():
    assert _anchor("2. ∂ω/∂θ") == "2-ωθ"
    assert _anchor("3.2 One window length per frame: step size and smoothness") == \
        "32-one-window-length-per-frame-step-size-and-smoothness"


CITED_TEST = re.compile(r"tests/(\w+\.py)(?:::(\w+))?")


def cited_tests():
    """(citing file, cited tests/ file, cited function or None) in the pages, the package and validation/."""
    sources = [ROOT / "README.md", *sorted(DOCS.glob("*.md")), *sorted((ROOT / "dstft_np").rglob("*.py")),
               *sorted((ROOT / "validation").glob("*.py")), *sorted((ROOT / "tests").glob("*.py"))]
    for source in sources:
        for name, function in CITED_TEST.findall(source.read_text(encoding="utf-8")):
            yield source.relative_to(ROOT), name, function or None


def test_cited_test_files_and_functions_exist():
    """A page that says which test checks a claim names a file (and function) that is there."""
    missing = []
    for source, name, function in cited_tests():
        path = ROOT / "tests" / name
        if not path.is_file():
            missing.append(f"{source}: tests/{name}")
        elif function and not re.search(rf"^def {function}\(", path.read_text(encoding="utf-8"), re.M):
            missing.append(f"{source}: tests/{name}::{function}")
    assert len(list(cited_tests())) > 20, "the pattern finds the citations"
    assert not missing, "cited but missing:\n" + "\n".join(missing)
