"""The command line of the conformance kit: ``dstft-np check MODULE:FUNCTION``.

``add_arguments`` fills an argparse parser (the ``check`` subcommand of
``dstft_np.cli``, or the stand-alone parser of ``main``); ``run`` executes
the parsed arguments and returns the exit code.
"""

import argparse
import importlib
import json
import os
import sys
import textwrap

from ._check import PROFILES, SUPPORTABLE, check
from ._golden import FAMILIES, NORM_NONE

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "resolve", "add_arguments", "run", "execute", "main"]

#: Exit codes: every check passed / some check failed / bad arguments (argparse's own code).
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: Failed checks printed without --all.
MAX_ROWS = 40

DESCRIPTION = """\
Run another STFT implementation on dstft_np's golden cases and report, case
by case, whether S (and, with --partials / --vjp, its partial derivatives and
its vector-Jacobian product) agree. FUNCTION must follow the calling contract
of dstft_np.stft (see `help(dstft_np.conformance.check)`).
"""

EPILOG = """\
families (--family; a case belongs to several):
{families}

examples:
  %(prog)s mypkg.stft:stft
  %(prog)s dstft_np:stft --partials dstft_np:stft_partials --vjp dstft_np:stft_vjp
  %(prog)s mypkg:torch_stft --cases 'torch-*' --profile float32
  %(prog)s mypkg:stft --family interior --supported window=hann --json report.json

exit status: 0 when no check failed and at least one passed (unsupported
cases are counted apart), 1 when a check failed or nothing could be checked,
2 on bad arguments.
""".format(families="\n".join(textwrap.fill(text, 79, initial_indent=f"  {name:<10} ",
                                              subsequent_indent=" " * 13)
                                for name, text in FAMILIES.items()))


def resolve(spec):
    """Import ``MODULE:FUNCTION`` (FUNCTION may be dotted, ``pkg.mod:Class.method``).

    Raises
    ------
    ValueError
        If `spec` has no colon, the module cannot be imported, the attribute
        is missing, or it is not callable.
    """
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"expected MODULE:FUNCTION, e.g. mypkg.stft:stft, got {spec!r}")
    try:
        target = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import module {module_name!r} of {spec!r}: {exc}") from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ValueError(f"{module_name!r} has no attribute {attribute!r} ({spec!r})") from None
    if not callable(target):
        raise ValueError(f"{spec!r} is not callable")
    return target


def _supported_option(text):
    """``--supported window=hann,blackman`` as ("window", ["hann", "blackman"]); "none" is None."""
    option, sep, values = text.partition("=")
    if not sep or option not in SUPPORTABLE or not values:
        raise argparse.ArgumentTypeError(
            f"expected OPTION=VALUE[,VALUE...] with OPTION among {', '.join(SUPPORTABLE)}, got {text!r}")
    return option, [None if value == NORM_NONE and option == "norm" else value
                    for value in values.split(",")]


def add_arguments(parser):
    """Make `parser` (an ``argparse.ArgumentParser`` or a subcommand's parser) the check command.

    Sets its description and example epilog and adds the arguments; pass the
    parsed namespace to ``run``. Wiring ``dstft-np check`` in a CLI with
    subcommands takes three lines::

        check = subparsers.add_parser("check", help="check another implementation")
        conformance.add_arguments(check)
        check.set_defaults(handler=conformance.run)   # handler(args) -> exit code
    """
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("function", metavar="MODULE:FUNCTION",
                        help="the stft to check, called as FUNCTION(x, win_length, positions, "
                             "n_fft=, window=, norm=, phase=)")
    parser.add_argument("--partials", metavar="MODULE:FUNCTION",
                        help="also check (S, dS_dwin, dS_dpos) = FUNCTION(x, win_length, positions, ...)")
    parser.add_argument("--vjp", metavar="MODULE:FUNCTION",
                        help="also check (grad_win, grad_pos) = FUNCTION(x, win_length, positions, "
                             "grad_S, ...)")
    parser.add_argument("--profile", choices=PROFILES, default="float64",
                        help="tolerances for a float64 or float32 implementation: " + "; ".join(
                            f"{name}: rtol={rtol:g}, atol={atol:g}" for name, (rtol, atol) in PROFILES.items())
                        + " (default %(default)s)")
    parser.add_argument("--rtol", type=float,
                        help="relative tolerance against the scale of each quantity (default: the profile's)")
    parser.add_argument("--atol", type=float, help="absolute tolerance (default: the profile's)")
    parser.add_argument("--cases", metavar="PATTERN", action="append",
                        help="only cases whose name matches this shell pattern (repeatable)")
    parser.add_argument("--family", metavar="NAME", action="append", dest="families",
                        help="only cases of this family (repeatable: any of them); see below")
    parser.add_argument("--supported", metavar="OPTION=VALUES", action="append", type=_supported_option,
                        help="declare what the implementation supports, e.g. window=hann or "
                             "norm=area,none (repeatable); other cases count as unsupported")
    parser.add_argument("--all", action="store_true", dest="all_rows",
                        help="print every check, not only the failed ones")
    parser.add_argument("--json", metavar="OUT",
                        help="also write the full report as JSON to OUT ('-' for stdout)")
    return parser


def run(args):
    """Execute parsed check arguments: print the report, return the exit code.

    The current directory is put on ``sys.path`` first, so that
    ``MODULE`` resolves as it would in ``python -c "import MODULE"``.
    Errors in the arguments go to stderr as one line (exit code 2).
    """
    try:
        return execute(args)
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def execute(args):
    """``run`` for a caller that reports errors itself: bad arguments raise a ValueError or TypeError.

    ``dstft-np check`` runs this, so that its errors read like those of every
    other ``dstft-np`` command.
    """
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    folder = os.path.dirname(args.json) if args.json and args.json != "-" else ""
    if folder and not os.path.isdir(folder):
        raise ValueError(f"cannot write --json {args.json}: no such directory {folder}")
    functions = [resolve(spec) if spec else None for spec in (args.function, args.partials, args.vjp)]
    supported = {}
    for option, values in args.supported or ():
        supported.setdefault(option, []).extend(values)
    report = check(*functions, rtol=args.rtol, atol=args.atol, profile=args.profile,
                   cases=args.cases, families=args.families, supported=supported or None)
    if args.json == "-":
        json.dump(report.to_dict(), sys.stdout, indent=1)
        print()
    else:
        if args.json:  # before the text: a reader that closes stdout early must not lose it
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(report.to_dict(), out, indent=1)
        print(report.format(all_rows=args.all_rows, max_rows=None if args.all_rows else MAX_ROWS))
    return EXIT_OK if report.ok else EXIT_FAILED


def main(argv=None, prog=None):
    """Parse `argv` (default ``sys.argv[1:]``), run the check, return the exit code.

    Examples
    --------
    >>> main(["dstft_np:stft", "--family", "torch"])
    conformance OK: 5 checks on 5 golden cases: 5 passed, 0 failed, 0 unsupported (rtol=1e-07, atol=1e-12)
    0
    """
    parser = add_arguments(argparse.ArgumentParser(prog=prog or "python -m dstft_np.conformance"))
    return run(parser.parse_args(argv))
