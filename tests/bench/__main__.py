"""Run every tests/bench/bench_*.py module's main(), or those named on the command line."""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main() -> None:
    wanted = sys.argv[1:]
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if wanted:
        names = [n for n in names if any(w in n for w in wanted)]
    failed = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        try:
            importlib.import_module(f"tests.bench.{name}").main()
        except Exception as exc:  # report and carry on with the other benchmarks
            failed.append(name)
            print(f"!!! {name} failed: {exc!r}")
        print(f"--- {name}: {time.perf_counter() - start:.1f} s", flush=True)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
