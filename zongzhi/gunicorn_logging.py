"""Gunicorn's logs without personal data: request lines carry query strings, so redact them.

``gunicorn.conf.py`` at the project root (read by gunicorn from its working directory) names
:class:`RedactingLogger`: every access-log atom (request line, query string, referrer, headers)
goes through :func:`common.redact.redact`, and the error log's handlers get the same filter.
"""

from gunicorn.glogging import Logger, SafeAtoms

from common.redact import add_redacting_filter, redact


class RedactedAtoms(SafeAtoms):
    """Access-log atoms with phone and ID numbers masked and secret keys redacted."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        return redact(value) if isinstance(value, str) else value


class RedactingLogger(Logger):
    atoms_wrapper_class = RedactedAtoms

    def setup(self, cfg) -> None:
        super().setup(cfg)
        add_redacting_filter(self.error_log)
        add_redacting_filter(self.access_log)
