"""The `crlso` command: run, train, search, list runs, and build benchmark tables. Its
options are cli_parser.py's, what each subcommand does cli_commands.py's; this module is
the command's entry point and its error boundary.

One error boundary: errors a user can cause (a CRLSOError, a bad option, a full disk, a
folder that cannot be written) print one line and exit 2; SIGINT and SIGTERM stop the
work, discard the unfinished stage and exit 130 / 143; anything else is a bug, printed
as one line with the error log's path (where the traceback went) and exit 1."""

from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager
from typing import Optional, Sequence

from crlso_core.cli_commands import ProgressBars, dispatch
from crlso_core.cli_parser import build_parser
from crlso_core.common.errors import CRLSOError, describe_os_error


class Terminated(BaseException):
    """SIGTERM (what timeout, kill and container stops send): unwind like Ctrl-C, so the
    unfinished stage is discarded on the way out."""


@contextmanager
def _notes():
    """A DataFallback (a named data folder without a file; the package's copy used) is one
    line on stderr, once; other warnings are shown as Python shows them."""
    from crlso_core.benchmarks.data_dir import DataFallback

    shown: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", DataFallback)
        default = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if not issubclass(category, DataFallback):
                return default(message, category, filename, lineno, file, line)
            if str(message) not in shown:
                shown.add(str(message))
                print(f"crlso: note: {message}", file=sys.stderr, flush=True)

        warnings.showwarning = show
        yield


def _on_sigterm(signum, frame):
    raise Terminated()


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a bad option already said in one line
        return int(exc.code or 0)
    args.argv = list(sys.argv) if argv is None else ["crlso", *argv]  # what plan.json records
    bars = ProgressBars(enabled=not getattr(args, "quiet", False))
    import signal
    import threading

    handler = signal.signal(signal.SIGTERM, _on_sigterm) if threading.current_thread() is threading.main_thread() else None
    try:
        with _notes():
            dispatch(args, bars)
        return 0
    except CRLSOError as exc:
        return _fail(bars, f"crlso: error: {exc}", 2)
    except KeyboardInterrupt:
        return _fail(bars, "crlso: interrupted; finished files are kept, the unfinished stage was discarded.", 130)
    except Terminated:
        return _fail(bars, "crlso: terminated; finished files are kept, the unfinished stage was discarded.", 143)
    except OSError as exc:  # a full disk, a folder that cannot be written, a file in the way
        return _fail(bars, f"crlso: error: {describe_os_error(exc)}", 2)
    except MemoryError:
        return _fail(bars, "crlso: error: out of memory; use a smaller preset, pool or batch.", 2)
    except Exception as exc:  # a bug: one line here, the traceback in the error log
        from crlso_core.common.errorlog import log_exception

        where = log_exception(exc, f"crlso {args.command}")
        return _fail(bars, f"crlso: unexpected error ({type(exc).__name__}: {str(exc)[:200]}). This is a bug; "
                           f"the traceback is in {where}. Please report it.", 1)
    finally:
        if handler is not None:
            signal.signal(signal.SIGTERM, handler)


def _fail(bars: ProgressBars, message: str, code: int) -> int:
    bars.close()
    print(message, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
