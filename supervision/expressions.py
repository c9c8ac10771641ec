"""A database expression the sweep needs and Django does not have: "has this share of the time passed?"

Django cannot multiply a duration by a number, so the test is written per database. It narrows
the rows a sweep reads (a reminder can only be due for them); the exact decision is made in
Python on the few rows that pass.
"""

from django.db.models import BooleanField, DateTimeField, FloatField, Func, Value


class ShareOfTimePassed(Func):
    """True once ``share`` (0–1) of the time from ``start`` to ``end`` has passed at ``now``."""

    output_field = BooleanField()

    def __init__(self, start, end, *, share: float, now):
        super().__init__(
            start, end, Value(share, output_field=FloatField()), Value(now, output_field=DateTimeField())
        )

    def _parts(self, compiler):
        return [compiler.compile(expression) for expression in self.get_source_expressions()]

    def as_sql(self, compiler, connection, **extra):
        (start, start_params), (end, end_params), (share, share_params), (now, now_params) = self._parts(
            compiler
        )
        sql = f"(({start}) + (({end}) - ({start})) * {share} <= {now})"
        return sql, (*start_params, *end_params, *start_params, *share_params, *now_params)

    def as_sqlite(self, compiler, connection, **extra):
        (start, start_params), (end, end_params), (share, share_params), (now, now_params) = self._parts(
            compiler
        )
        sql = f"(julianday({start}) + (julianday({end}) - julianday({start})) * {share} <= julianday({now}))"
        return sql, (*start_params, *end_params, *start_params, *share_params, *now_params)
