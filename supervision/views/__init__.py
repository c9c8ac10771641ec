"""Supervision pages: ``public`` (the party's evaluation), ``staff`` (orders, case panel), ``callbacks``."""
