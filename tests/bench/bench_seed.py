"""How long `seed_demo` takes, on a fresh SQLite file (the embedded default).

Each run is a separate `manage.py` process on its own temporary database, so the figure is
what a developer waits for, and the benchmark does not depend on the database other
benchmarks use."""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCALE = 10_000
SCALE_TARGET_SECONDS = 60


def manage(*args: str, database: Path) -> tuple[float, float]:
    """Run a management command on `database`; returns its wall and CPU time in seconds (the
    CPU time tells a slow machine from slow code when other work shares the cores)."""
    environment = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
    }
    cpu_before = _children_cpu()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_seed(*args: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        manage("migrate", "--noinput", database=database)
        return manage("seed_demo", *args, database=database)


def bench_seed_demo():
    scaled, scaled_cpu = timed_seed("--scale", str(SCALE))
    normal, _ = timed_seed()
    return [
        {
            "name": f"seed_demo --scale {SCALE} (SQLite file)",
            "value": round(scaled, 1),
            "unit": "s",
            "target": f"< {SCALE_TARGET_SECONDS} s",
            "ok": scaled < SCALE_TARGET_SECONDS,
        },
        {
            "name": f"seed_demo --scale {SCALE}, CPU time",
            "value": round(scaled_cpu, 1),
            "unit": "s",
        },
        {
            "name": "seed_demo, ~40 companies through the services (SQLite file)",
            "value": round(normal, 1),
            "unit": "s",
        },
    ]
