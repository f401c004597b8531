"""The explorer's server process: warm first, then serve.

`crlso app` (and the tests' and measurements' servers, tools/serve.py) run
`python -m crlso_app.launch <streamlit run arguments>` instead of `streamlit run`. Before the
server listens, this process imports the pages' libraries and loads the shipped examples'
models and projections into the caches the pages read (crlso_app/warm.py; Streamlit's
cache_resource is process-wide, so the pages find them there). A class's first page then
reads memory instead of waiting for torch and the models: the wait moves to the start,
where the terminal says how long it took, and the server answers only once it is warm.

A failed warm-up is said on stderr and the server starts anyway: the pages load what they
need as they open, as they did before."""

from __future__ import annotations

import sys
import threading
import time
import traceback

from crlso_app.warm import THREAD, pairs_to_rehearse, rehearse, silence_warm_up_thread, warm


def warm_before_serving() -> None:
    print("CR-LSO explorer: loading the libraries and the example runs before the server opens…", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    spent: dict[str, float] = {}

    def run() -> None:
        try:
            spent.update(warm())
            spent.update(rehearse(pairs_to_rehearse()))
        except Exception:  # noqa: BLE001 - the pages still load what they need themselves; the terminal says why
            print("The warm-up stopped (the pages load what they need as they open):", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)

    # in a thread of the warm-up's name: Streamlit's "no script context" warnings for it are dropped
    silence_warm_up_thread()
    worker = threading.Thread(target=run, name=THREAD)
    worker.start()
    worker.join()
    if not spent:
        return
    print(f"Warmed up in {time.perf_counter() - t0:.1f} s: " + ", ".join(f"{k} {v:.1f} s" for k, v in spent.items()),
          file=sys.stderr, flush=True)


def main(argv: list[str]) -> None:
    warm_before_serving()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *argv]
    cli.main()  # exits with the server's status


if __name__ == "__main__":
    main(sys.argv[1:])
