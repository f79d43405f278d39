"""``python -m dstft_np.conformance MODULE:FUNCTION [--partials ...] [--vjp ...]``."""

import sys

from ._cli import main

__all__ = []

sys.exit(main())
