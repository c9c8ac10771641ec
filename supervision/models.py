"""Supervision orders, callbacks and leaders' reports (built on the cases app)."""
