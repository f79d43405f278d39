"""The option tuples of dstft_np/_options.py: the registries keyed by them, and the docstrings listing them.

Each string option is written once, as a tuple in ``_options``. What a name
does lives in an explicit dict keyed by it (losses, presets, windows); these
tests fail when a name is added to a tuple without an entry, or the other
way round, and when a docstring spells out a list of choices instead of
having it generated from the tuple.
"""

import pathlib
import re

import numpy as np
import pytest

from dstft_np import _options, conventions, losses
from dstft_np._kernels import window_terms
from dstft_np._options import CONVENTIONS, LOSSES, WINDOWS, choices, document_choices

ROOT = pathlib.Path(__file__).resolve().parents[1]

REGISTRIES = [
    pytest.param(losses._LOSS_FUNCTIONS, LOSSES, id="losses"),
    pytest.param(conventions._CONVENTIONS, CONVENTIONS, id="presets"),
    pytest.param(window_terms.FAMILIES, WINDOWS, id="windows"),
]


@pytest.mark.parametrize("registry, names", REGISTRIES)
def test_registry_keys_are_the_option_tuple(registry, names):
    assert len(set(names)) == len(names), f"{names} repeats a name"
    assert sorted(registry, key=str) == sorted(names, key=str)


def test_every_cosine_sum_is_a_window_and_every_family_has_terms():
    assert set(window_terms.COSINE_SUM) <= set(WINDOWS)
    assert {name for name, family in window_terms.FAMILIES.items() if family == "cosine sum"} == \
        set(window_terms.COSINE_SUM)
    assert set(window_terms.FAMILIES.values()) == {"cosine sum", "gaussian"}


def test_preset_of_a_name_without_an_entry_fails_instead_of_taking_another_framing(monkeypatch):
    monkeypatch.setattr(conventions, "CONVENTIONS", CONVENTIONS + ("newlib",))
    with pytest.raises(KeyError, match="newlib"):
        conventions.preset("newlib", np.ones(100), 16, 4)


def test_default_pad_modes_come_from_the_presets():
    assert conventions.DEFAULT_PAD_MODES == {"torch": "reflect", "librosa": "constant", "scipy": "constant"}


def test_document_choices_fills_every_option_tuple():
    def documented():
        """window : {WINDOWS}
        convention : {CONVENTIONS}, loss : {LOSSES}, {unrelated}"""

    document_choices(documented)
    assert documented.__doc__ == (f"window : {choices(WINDOWS)}\n        convention : {choices(CONVENTIONS)}, "
                                  f"loss : {choices(LOSSES)}, {{unrelated}}")
    assert choices(("area", None)) == '{"area", None}'


def written_out_choices(text):
    """The option tuples whose list of choices `text` spells out (numpydoc form or the error's form)."""
    found = []
    for name in _options._DOCUMENTED:
        allowed = getattr(_options, name)
        spelled = [choices(allowed), ", ".join(repr(a) for a in allowed)]
        found += [name for form in spelled if len(allowed) > 1 and form in text]
    return found


def test_no_source_file_spells_out_a_list_of_choices():
    assert written_out_choices(f"window : {choices(WINDOWS)}") == ["WINDOWS"]
    assert written_out_choices(f"one of {', '.join(map(repr, LOSSES))}; got") == ["LOSSES"]
    offenders = {str(path.relative_to(ROOT)): written_out_choices(path.read_text(encoding="utf-8"))
                 for path in sorted((ROOT / "dstft_np").rglob("*.py")) if path.name != "_options.py"}
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, f"lists of choices written out instead of generated: {offenders}"


def test_generated_docstrings_name_every_choice():
    import dstft_np
    from dstft_np import plot, windows
    from dstft_np.conformance import check

    for documented, tuples in [
        (dstft_np.DSTFT, ["WINDOWS", "WIN_MODES", "HOP_MODES", "NORMS", "PHASES"]),
        (dstft_np.DSTFT.value_and_grad, ["LOSSES"]),
        (dstft_np.DSTFT.fit, ["FIT_METHODS"]),
        (dstft_np.optim.minimize, ["FIT_METHODS"]),
        (dstft_np.objective.Objective, ["LOSSES"]),
        (dstft_np.stft, ["WINDOWS", "NORMS", "PHASES"]),
        (windows.window, ["WINDOWS", "NORMS"]),
        (plot.windows, ["WINDOWS"]),
        (conventions.preset, ["CONVENTIONS", "CONVENTION_WINDOWS", "PAD_MODES"]),
        (losses.get_loss, ["LOSSES"]),
        (check, ["WINDOWS", "NORMS", "PHASES"]),
    ]:
        assert not re.search(r"\{[A-Z_]+\}", documented.__doc__), documented
        for name in tuples:
            assert choices(getattr(_options, name)) in documented.__doc__, (documented, name)
