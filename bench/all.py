"""`make bench`: every bench that has a budget, in turn, and one table of their figures at the end.

    REDIS_URL=redis://127.0.0.1:6379/7 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan_bench \
    .venv/bin/python bench/all.py [--rollup-items 10000 [50000]]

Runs bench/pages.py (every page at 18 and 10,000 items), bench/throughput.py (the cached dashboard
over HTTP beside a bare view, and a worker's memory over every plan page) and bench/rollup.py (the
roll-up's compute and store), each in its own process as it runs alone, showing their own output;
then prints one table of what each reported. Figures on a shared machine are noisy: ratios measured
in the same run (throughput's) say more than milliseconds. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def _run(args: list[str], *, cwd: Path = BENCH.parent) -> str:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True)
    sys.stderr.write(out.stderr[-2000:] if out.returncode else "")
    print(out.stdout, flush=True)
    if out.returncode:
        sys.exit(f"{args[0]} failed ({out.returncode})")
    print(f"({args[0]}: {time.perf_counter() - started:.0f} s)\n", file=sys.stderr)
    return out.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rollup-items", type=int, nargs="+", default=[10_000])
    args = parser.parse_args()
    started = time.perf_counter()
    rows: list[tuple[str, str]] = []
    pages = _run([str(BENCH / "pages.py")])
    lines = [line for line in pages.splitlines() if line.startswith("| ")]
    if lines:
        sizes = [re.match(r"\s*([\d,]+) items", cell).group(1) for cell in lines[0].strip("|").split("|")[1:]]
        for line in lines[1:]:
            label, *cells = [cell.strip() for cell in line.strip("|").split("|")]
            for size, cell in zip(sizes, cells):
                rows.append((f"{label} ({size} items)", f"{cell} (median (min–max) ms · queries · KB)"))
    for out in (_run([str(BENCH / "throughput.py")]),
                _run([str(BENCH / "rollup.py"), "--no-reminders", "--items", *map(str, args.rollup_items)],
                     cwd=BENCH)):
        rows += [tuple(part.strip() for part in line.split("|")[1:3])
                 for line in out.splitlines() if line.startswith("BENCH-ROW |")]
    print(f"\nmake bench: {time.perf_counter() - started:.0f} s in all (PostgreSQL, DEBUG off, Redis cache)\n")
    print("| measure | figure |\n|---|---|")
    for label, figure in rows:
        print(f"| {label} | {figure} |")


if __name__ == "__main__":
    main()
