"""Numba on demand: kernels are declared at import and compiled (or loaded from the cache) at first call.

Importing numba takes longer than importing numpy and every module of
dstft_np together, so kernel modules write ``from ._jit import njit, prange``
instead of ``from numba import njit, prange``. ``njit(**options)`` records
the plain function and returns a stand-in; the first call of any stand-in
imports numba, replaces every stand-in found in the globals of the loaded
dstft_np modules by ``numba.njit(**options)(function)`` and every ``prange``
by ``numba.prange``, then calls the real dispatcher. Kernels that call each
other therefore see real dispatchers when Numba compiles them, and
``NUMBA_DISABLE_JIT=1`` runs the plain functions as before.

Where the compiled kernels are cached: Numba writes them next to the source,
in ``dstft_np/__pycache__``, whenever that folder is writable. For an
installed package that folder lies in site-packages, ``pip uninstall``
leaves it behind, and Python then takes the left-over folder for a
namespace package ``dstft_np`` that hides a later (editable) install. So,
unless the user chose a folder with ``NUMBA_CACHE_DIR``, dstft_np's kernels
are cached in Numba's user-wide cache folder (``~/.cache/numba`` on Linux,
where Numba also puts kernels whose source folder is read-only). The choice
applies to dstft_np's kernels only, not to other code compiled by Numba in
the same process.

Numba keys a cached kernel by the file that defines it, not by the files
it calls or whose constants it compiles in: after an edit of
``_kernels/window_terms.py`` (a new window, say) or of ``_options.py``, the
kernels of ``_kernels/frames.py`` would load stale machine code. Inside the
user-wide folder the kernels therefore go to a subfolder named by a hash
of those sources, so an edit compiles afresh.
"""

import contextlib
import hashlib
import os
import pathlib
import sys
import threading

__all__ = ["njit", "prange"]

#: Stands for numba.prange until numba is imported (plain ``range`` semantics).
prange = range

_PACKAGE = __name__.rpartition(".")[0]

#: Serialises the binding step: the frame path calls kernels from several threads.
_lock = threading.Lock()


class _Kernel:
    """A function to be compiled with numba.njit(**options) at the first call of any kernel."""

    def __init__(self, function, options):
        self.py_func = function
        self.options = options
        self.dispatcher = None
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__
        self.__module__ = function.__module__
        self.__qualname__ = function.__qualname__
        self.__wrapped__ = function

    def __call__(self, *args):
        if self.dispatcher is None:
            with _lock:
                _compile_all()
                if self.dispatcher is None:  # a stand-in held outside any module's globals
                    with _cache_outside_the_package() as numba:
                        self.dispatcher = numba.njit(**self.options)(self.py_func)
        return self.dispatcher(*args)

    def __repr__(self):
        state = "pending" if self.dispatcher is None else "compiled on demand"
        return f"<dstft_np kernel {self.__module__}.{self.__qualname__} ({state})>"


def njit(function=None, **options):
    """Like numba.njit (with or without options), but nothing is imported or compiled until a kernel is called."""
    if function is None:
        return lambda f: _Kernel(f, options)
    return _Kernel(function, options)


@contextlib.contextmanager
def _cache_outside_the_package():
    """Yield numba with its cache folder set to the user-wide one while dispatchers are created.

    Numba picks a kernel's cache folder when ``njit(cache=True)`` wraps it,
    from ``numba.config.CACHE_DIR`` (NUMBA_CACHE_DIR; empty: next to the
    source), so setting it around the wrapping steers dstft_np's kernels only.
    """
    import numba

    if numba.config.CACHE_DIR:  # the user's NUMBA_CACHE_DIR stands
        yield numba
        return
    from numba.misc.appdirs import AppDirs

    numba.config.CACHE_DIR = os.path.join(AppDirs(appname="numba", appauthor=False).user_cache_dir,
                                          f"dstft_np-{_sources_digest()}")
    try:
        yield numba
    finally:
        numba.config.CACHE_DIR = ""


def _sources_digest():
    """A short hash of the kernels' sources and of ``_options.py`` (the codes they compile in)."""
    package = pathlib.Path(__file__).resolve().parent
    sources = sorted((package / "_kernels").glob("*.py")) + [package / "_options.py"]
    return hashlib.sha1(b"".join(path.read_bytes() for path in sources)).hexdigest()[:16]


def _compile_all():
    """Import numba and bind every pending kernel and every ``prange`` of dstft_np to Numba's."""
    with _cache_outside_the_package() as numba:
        for name, module in list(sys.modules.items()):
            if module is None or not (name == _PACKAGE or name.startswith(_PACKAGE + ".")):
                continue
            namespace = vars(module)
            for key, value in list(namespace.items()):
                if isinstance(value, _Kernel):
                    if value.dispatcher is None:
                        value.dispatcher = numba.njit(**value.options)(value.py_func)
                    namespace[key] = value.dispatcher
                elif value is range and key == "prange":
                    namespace[key] = numba.prange
