"""The append-only access log: who saw a full number, who exported what, who changed roles and rules.

The bottom layer: it imports none of the domain apps; they call :func:`audit.services.access_log_record`.
"""
