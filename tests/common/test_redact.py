"""Finding 6: log lines mask phone and ID numbers and never carry a secret key."""

import datetime as dt
import io
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils.module_loading import import_string

from common.redact import RedactingFilter, redact

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /t/42092120261118001/?k=AbC_d-9x HTTP/1.1", "GET /t/42092120261118001/?k=[redacted] HTTP/1.1"),
        ("/x/?a=1&k=abc#top", "/x/?a=1&k=[redacted]#top"),
        ("/api/?token=abc&x=1", "/api/?token=[redacted]&x=1"),
        ("/cases/search/?q=138-1234-5678&page=2", "/cases/search/?q=138****5678&page=2"),
        ("q=139+0000+1111", "q=139****1111"),
        ("q=139%200000%201111", "q=139****1111"),
        ("call +86 13812345678", "call 138****5678"),
        ("[SMS to 13812345678] hi", "[SMS to 138****5678] hi"),
        ("id 11010519491231002X ok", "id 1101**********002X ok"),
        ("id=11010519491231002x", "id=1101**********002X"),
        ("desk 0710-1234567", "desk 071****4567"),
    ],
)
def test_redact_masks_and_drops(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "420921-2026-111800-1",  # a case code as read out
        "42092120261118001",  # a case code as stored
        "/cases/42092120261118001/receipt/?paper=a4",
        "2026-11-18 10:00:00,123 INFO cases deadline sweep: {'reminded': 3}",
        "task supervision.tasks.sweep[3f2a1c9e-135123456789] will retry",
        "/x/?kind=progress&book=2&monkey=3",
    ],
)
def test_redact_leaves_the_rest(text):
    assert redact(text) == text


def _through(handler, emit):
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        emit()
    finally:
        handler.setStream(previous)
    return stream.getvalue()


def _handler_with_filter(logger_name):
    (handler,) = [
        h
        for h in logging.getLogger(logger_name).handlers
        if any(isinstance(f, RedactingFilter) for f in h.filters)
    ]
    return handler


def test_the_configured_log_handler_redacts_messages_and_tracebacks():
    logger = logging.getLogger("cases.test")

    def emit():
        try:
            raise ValueError("duplicate key (phone)=(13812345678)")
        except ValueError:
            logger.error("sms to %s with /t/1/?k=%s failed", "13812345678", "SeCrEtKeY", exc_info=True)

    output = _through(_handler_with_filter(None), emit)  # the root "console" handler
    assert "sms to 138****5678 with /t/1/?k=[redacted] failed" in output
    assert "(phone)=(138****5678)" in output  # the traceback too
    assert "13812345678" not in output and "SeCrEtKeY" not in output


def test_runserver_request_lines_are_redacted():
    logger = logging.getLogger("django.server")

    def emit():
        logger.info('"%s" %s %s', "GET /cases/search/?q=13812345678 HTTP/1.1", "200", "512")
        logger.info('"%s" %s %s', "GET /t/42092120261118001/?k=SeCrEtKeY HTTP/1.1", "302", "0")

    output = _through(_handler_with_filter("django.server"), emit)
    assert "q=138****5678" in output and "k=[redacted]" in output
    assert "13812345678" not in output and "SeCrEtKeY" not in output


def test_gunicorn_access_log_is_redacted(tmp_path):
    from gunicorn.config import Config

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    logger_class = import_string(settings["logger_class"])
    config = Config()
    access_log = tmp_path / "access.log"
    config.set("accesslog", str(access_log))
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s q=%(q)s "%(f)s"')
    logger = logger_class(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/t/42092120261118001/?k=SeCrEtKeY",
        "PATH_INFO": "/t/42092120261118001/",
        "QUERY_STRING": "k=SeCrEtKeY",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.5",
        "HTTP_REFERER": "https://zz.example/admin/cases/party/?q=11010519491231002X",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, dt.timedelta(milliseconds=5))
    logger.error("Invalid request from 10.0.0.5 for /s/?q=13812345678")
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.flush()
    line = access_log.read_text()
    assert line.startswith('10.0.0.5 "GET /t/42092120261118001/?k=[redacted] HTTP/1.1" 302 q=k=[redacted]')
    assert "1101**********002X" in line
    assert "SeCrEtKeY" not in line and "11010519491231002X" not in line
    errors = (tmp_path / "error.log").read_text()
    assert "138****5678" in errors and "13812345678" not in errors


def test_the_celery_worker_handlers_get_the_filter():
    from celery.signals import after_setup_logger, after_setup_task_logger

    import zongzhi.celery  # noqa: F401  (connects the receivers)

    for signal in (after_setup_logger, after_setup_task_logger):
        logger = logging.getLogger(f"celery.test.{signal.name}")
        handler = logging.StreamHandler(io.StringIO())
        logger.addHandler(handler)
        try:
            signal.send(
                sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="", colorize=False
            )
            logger.warning("retry sending to 13812345678 /t/1/?k=SeCrEtKeY")
        finally:
            logger.removeHandler(handler)
        assert handler.stream.getvalue() == "retry sending to 138****5678 /t/1/?k=[redacted]\n"
