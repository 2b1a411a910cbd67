"""Demo data for `manage.py seed_demo`, callable from tests and benchmarks."""

from sales.demo.base import DEMO_LOGINS, DEMO_PASSWORD
from sales.demo.scale import seed_scale
from sales.demo.story import seed_demo

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "seed_demo", "seed_scale"]
