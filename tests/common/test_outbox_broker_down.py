"""Finding 8: cases created while the broker is down get every text and staff notice, once.

A private redis-server is the broker: started, stopped, 15 cases are received and assigned
(all saved, their outbox rows pending), the broker is started again, the sweep publishes, a real
worker process runs the rows; then everything is published again and nothing happens twice.
"""

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from cases.models import Case, Notification, SmsMessage, State
from cases.services import case_assign, case_start_assessment
from cases.tasks import clear_expired_sessions
from common import outbox
from common.models import OutboxMessage
from common.tasks import outbox_deliver
from tests.supervision.broker import broker

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(6391, 6396)  # this slice's private broker ports (never the shared 6379)
CASES = 15


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free port for a private redis-server")


class PrivateRedis:
    """A redis-server of this test's own, without persistence, that the test stops and starts."""

    def __init__(self, port: int, workdir: Path):
        self.port, self.workdir, self.process = port, workdir, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def _database_url() -> str:
    settings = connection.settings_dict
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return (
        f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def _wait_until(condition, timeout: float = 180) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def _texts(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _mails(directory: Path) -> int:
    return sum(p.read_text(errors="replace").count("Message-ID:") for p in directory.glob("*.log"))


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cases_created_with_the_broker_down_get_every_notice_once(
    require_postgres, new_case, coordinator, department, liaison, tmp_path
):
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on PATH for a private broker")
    server = PrivateRedis(_free_port(), tmp_path)
    server.start()
    server.stop()  # the broker is down

    # --- 15 cases received and assigned while the broker is down -------------------------------
    with broker(server.url):
        for _ in range(CASES):
            case = new_case()
            case = case_start_assessment(case=case, actor=coordinator)
            case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    assert Case.objects.filter(state=State.ASSIGNED).count() == CASES  # every write stands
    rows = OutboxMessage.objects.all()
    assert rows.count() == 3 * CASES  # create, start_assessment, assign
    assert set(rows.values_list("status", flat=True)) == {"pending"}
    assert all(row.last_error.startswith("publish: ") for row in rows)
    assert not SmsMessage.objects.exists() and not Notification.objects.exists()

    # --- The broker is back: the sweep publishes, a real worker runs ---------------------------
    server.start()
    sms_file, mail_dir = tmp_path / "sms.jsonl", tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.common.worker_settings",
        "DATABASE_URL": _database_url(),  # the test database pytest-django created
        "CELERY_BROKER_URL": server.url,
        "DATABASE_POOL": "false",
        "ZONGZHI_TEST_SMS_FILE": str(sms_file),
        "ZONGZHI_TEST_MAIL_DIR": str(mail_dir),
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "zongzhi", "worker", "--pool=solo", "-l", "info",
             "-n", f"outbox-{server.port}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        with broker(server.url):
            summary = outbox.sweep()
            assert (summary["due"], summary["published"]) == (3 * CASES, 3 * CASES), summary
            # The worker runs them; the mail each liaison notice calls for is one more row of its own.
            finished = _wait_until(
                lambda: (
                    OutboxMessage.objects.filter(status="done").count() == 4 * CASES
                    and not OutboxMessage.objects.exclude(status="done").exists()
                )
            )
            assert finished, log.read_text()[-5000:]

            def counts():
                return (
                    SmsMessage.objects.filter(status="sent").count(),
                    len(_texts(sms_file)),
                    Notification.objects.filter(user=liaison, kind="assign").count(),
                    Notification.objects.count(),
                    _mails(mail_dir),
                )

            # Each case: a text on receipt and on assignment; the liaison's notice and its e-mail.
            assert counts() == (2 * CASES, 2 * CASES, CASES, CASES, CASES), log.read_text()[-5000:]
            texts = _texts(sms_file)
            assert len({text["body"] for text in texts}) == 2 * CASES  # one per case and event
            for case in Case.objects.all():
                assert sum(case.code_display in text["body"] for text in texts) == 2

            # The sweep twice more, and every row published again as a lost-and-found duplicate.
            assert outbox.sweep()["due"] == 0
            assert outbox.sweep()["due"] == 0
            for key in OutboxMessage.objects.values_list("key", flat=True):
                outbox_deliver.delay(key)
            # The solo worker takes its queue in order: once this has run, so have the duplicates.
            clear_expired_sessions.delay().get(timeout=120, interval=0.5, disable_sync_subtasks=False)
            assert counts() == (2 * CASES, 2 * CASES, CASES, CASES, CASES), log.read_text()[-5000:]
            assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        server.stop()
    assert "common.tasks.outbox_deliver" in log.read_text()
