"""``python -m dstft_np``: the command line ``dstft-np`` (see ``dstft_np.cli``)."""

from .cli import main

__all__ = []

raise SystemExit(main())
