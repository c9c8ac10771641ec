"""The REST API of the cases app (``/api/v1/``): staff endpoints, transitions and the public ones."""
