"""Demo data for ``manage.py seed_demo``, out of the domain apps.

``content``, ``people`` and ``planning`` plan the demo cases from a fixed seed, ``driving`` plays
each plan through the real services, ``supervision`` adds the supervision scenarios.
"""
