"""Demo cases for ``manage.py seed_demo``: planned from a fixed seed, played through the services."""

from .content import COUNTY
from .driving import SEED, DemoStaff, demo_case_count, generate_cases
from .people import id_number, mobile
from .planning import SUBCENTER_TOWNS

__all__ = [
    "COUNTY",
    "SEED",
    "SUBCENTER_TOWNS",
    "DemoStaff",
    "demo_case_count",
    "generate_cases",
    "id_number",
    "mobile",
]
