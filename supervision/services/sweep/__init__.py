"""The deadline sweep (时限巡查): reminders, supervision orders and leader-level orders, set-based.

``core`` runs it and decides what is due, ``reading`` holds its queries, ``writing`` its bulk
inserts, events and notices (see ``core``'s docstring for how it stays idempotent).
"""

from .core import SweepResult, deadline_sweep

__all__ = ["SweepResult", "deadline_sweep"]
