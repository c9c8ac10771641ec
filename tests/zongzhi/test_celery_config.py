"""The Celery application takes its configuration from the Django settings."""

from zongzhi.celery import app


def test_celery_reads_the_django_settings():
    assert app.main == "zongzhi"
    assert app.conf.timezone == "Asia/Shanghai"
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert app.conf.result_backend == "django-db"
    # A task is acknowledged only after it ran, and one worker process holds one task at a time.
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_publishing_gives_up_quickly_when_the_broker_is_down():
    # A saved action must not hang on a dead broker: bounded retries and short socket timeouts.
    assert app.conf.task_publish_retry is True
    assert app.conf.task_publish_retry_policy["max_retries"] <= 3
    assert app.conf.broker_connection_timeout <= 5
    assert app.conf.broker_transport_options["socket_connect_timeout"] <= 5


def test_tasks_are_discovered_in_the_apps():
    app.loader.import_default_modules()
    assert "cases.tasks.notify_case_event" in app.tasks
