"""Point the Celery app at another broker for one test, with eager mode off."""

import contextlib
import os

import pytest

from zongzhi.celery import app

# Nothing listens here: connections are refused at once.
DEAD_BROKER = "redis://127.0.0.1:9/0"


def _reset_pools() -> None:
    """Forget the app's pools so the next publish uses the current broker URL.

    Not closed: kombu keeps one pool per URL and hands the same one back later.
    """
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@contextlib.contextmanager
def broker(url: str):
    """Publish to ``url`` for real (not eagerly) inside the block."""
    previous = app.conf.broker_url, app.conf.task_always_eager, app.conf.task_eager_propagates
    previous_env = os.environ.get("CELERY_BROKER_URL")
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False
    _reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager, app.conf.task_eager_propagates = previous
        if previous_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous_env
        _reset_pools()


# The worker test's own Redis database: what its worker publishes (follow-up tasks on the default
# queue) is flushed with it, and nothing from other runs is waiting there.
TEST_REDIS_DB = 14


def redis_broker_url() -> str:
    """Return the configured Redis broker on the test's own database, or skip (fail when CI demands it)."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    required = os.environ.get("ZONGZHI_REQUIRE_POSTGRES") == "1"
    if not url.startswith("redis://"):
        if required:
            pytest.fail("ZONGZHI_REQUIRE_POSTGRES=1 but CELERY_BROKER_URL is not a Redis URL")
        pytest.skip("needs a Redis broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
    import redis

    url = f"{url.rsplit('/', 1)[0]}/{TEST_REDIS_DB}" if url.count("/") >= 3 else f"{url}/{TEST_REDIS_DB}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        if required:
            pytest.fail(f"Redis at {url} does not answer: {exc}")
        pytest.skip(f"Redis at {url} does not answer: {exc}")
    return url


def flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
