"""`make bench`: run every tests/bench/bench_*.py, print one table, write bench-results.json.

A benchmark module defines functions named `bench_*` that take no argument and return a
list of rows: dicts with at least "name", "value" and "unit", and optionally "target"
(a human-readable goal) and "ok" (whether the goal is met). Benchmarks set up their own
database (see tests/bench/support.py)."""

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import tests.bench as package


def main(argv: list[str]) -> int:
    selected = argv[1:]
    rows = []
    for module_info in pkgutil.iter_modules(package.__path__):
        if not module_info.name.startswith("bench_"):
            continue
        if selected and not any(word in module_info.name for word in selected):
            continue
        module = importlib.import_module(f"tests.bench.{module_info.name}")
        for name in sorted(dir(module)):
            if name.startswith("bench_") and callable(getattr(module, name)):
                started = time.perf_counter()
                for row in getattr(module, name)():
                    rows.append({"module": module_info.name, **row})
                print(
                    f"# {module_info.name}.{name}: {time.perf_counter() - started:.1f}s",
                    file=sys.stderr,
                )
    width = max((len(row["name"]) for row in rows), default=10)
    print(f"{'benchmark':<{width}}  {'value':>12}  unit      target")
    for row in rows:
        mark = {True: "ok", False: "MISSED"}.get(row.get("ok"), "")
        print(
            f"{row['name']:<{width}}  {row['value']:>12}  {row['unit']:<8}  "
            f"{row.get('target', '')} {mark}"
        )
    Path("bench-results.json").write_text(json.dumps(rows, indent=2, default=str))
    print("wrote bench-results.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
