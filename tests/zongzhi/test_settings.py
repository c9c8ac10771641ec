"""Settings read from the environment: the embedded default, the switches, and production's refusals.

Each check runs in a fresh interpreter, because settings are read once at import time. The
child gets a controlled environment: nothing that selects a database, broker or production
behaviour leaks in from the shell that runs the suite.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Everything the settings read; the child starts with none of it unless a test sets it.
SETTINGS_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DATABASE_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
    "DATABASE_USER",
    "DATABASE_PASSWORD",
    "DATABASE_POOL",
    "DATABASE_POOL_MIN",
    "DATABASE_POOL_MAX",
    "DATABASE_POOL_TIMEOUT",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "DJANGO_EMAIL_BACKEND",
    "DJANGO_DEFAULT_FROM_EMAIL",
    "PUBLIC_BASE_URL",
    "ZONGZHI_COUNTY_CODE",
    "DJANGO_MEDIA_ROOT",
    "DJANGO_LOG_LEVEL",
    "DJANGO_SECURE_HTTPS",
    "DJANGO_HSTS_SECONDS",
    "ZONGZHI_API_DOCS_REQUIRE_LOGIN",
    "ZONGZHI_SESSION_IDLE_MINUTES",
    "ZONGZHI_SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "ZONGZHI_PII_KEYS",
    "ZONGZHI_PII_INDEX_KEYS",
    "ZONGZHI_TRACKING_SECRET",
)
# A production deployment's personal-data keys (the tests that are not about them get valid ones).
PII_KEYS = {
    "ZONGZHI_PII_KEYS": "YIuq9BQNW8GzWf1lH_rRM_cpz4qY5ShjYIR9MAV1xks=",
    "ZONGZHI_PII_INDEX_KEYS": "mV8xk1yq8Jk0r3wXq2m7oQh4g1c9sDk2h5tZ0pN3aLw=",
    "ZONGZHI_TRACKING_SECRET": "3uZ8m1QvN0bT6yH2kR9sW4xL7cJ5pF0aE1dG8hK2",
}

PROBE = """
import json
from django.conf import settings
from zongzhi.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "pool": db.get("OPTIONS", {}).get("pool"),
    "conn_max_age": db.get("CONN_MAX_AGE"),
    "conn_health_checks": db.get("CONN_HEALTH_CHECKS"),
    "always_eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "eager_propagates": settings.CELERY_TASK_EAGER_PROPAGATES,
    "app_always_eager": app.conf.task_always_eager,
    "broker_url": app.conf.broker_url,
    "cache": settings.CACHES["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "time_zone": settings.TIME_ZONE,
    "language_code": settings.LANGUAGE_CODE,
}))
"""


def _dotenv_keys() -> set[str]:
    """Return the variables a local .env defines (the settings read it for what the shell lacks)."""
    path = ROOT / ".env"
    if not path.exists():
        return set()
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().removeprefix("export ").strip()
        if line and not line.startswith("#") and "=" in line:
            keys.add(line.split("=", 1)[0].strip())
    return keys


def _child_env(settings_module: str, **values: str) -> dict[str, str]:
    """Return the parent's environment less every settings variable, plus ``values``."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests; check --deploy flags it
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    if settings_module.endswith("production"):
        env.update(PII_KEYS)
        env["PUBLIC_BASE_URL"] = "https://zongzhi.example.cn"  # required there too
    env.update(values)
    # A variable left unset here would be filled from a developer's .env: say so instead of
    # failing for a reason that is not the code's.
    leaking = sorted((set(SETTINGS_VARIABLES) - set(env)) & _dotenv_keys())
    if leaking:
        pytest.skip(f"the local .env sets {', '.join(leaking)}; this check needs them unset")
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _probe(**values: str) -> dict:
    """Import the base settings (the ones manage.py and Celery use by default) in a child."""
    values.setdefault("DJANGO_SECRET_KEY", "test-" + secrets.token_urlsafe(40))  # no .secret_key write
    values.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    result = _run(["-c", PROBE], _child_env("zongzhi.settings.base", **values))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _secret() -> str:
    return secrets.token_urlsafe(60)


# --- production refuses to start half-configured -------------------------------------------


@pytest.mark.parametrize(
    "secret",
    ["", "too-short", "x" * 60, "django-insecure-" + "a1b2c3d4e5" * 5],
    ids=["missing", "short", "one-character", "django-insecure"],
)
def test_production_refuses_without_a_real_secret_key(secret):
    env = _child_env(
        "zongzhi.settings.production", DJANGO_SECRET_KEY=secret, DJANGO_ALLOWED_HOSTS="zongzhi.example.cn"
    )
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("missing", sorted(PII_KEYS))
def test_production_refuses_without_the_personal_data_keys(missing):
    env = _child_env(
        "zongzhi.settings.production",
        DJANGO_SECRET_KEY=_secret(),
        DJANGO_ALLOWED_HOSTS="zongzhi.example.cn",
        **{missing: ""},
    )
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ZONGZHI_PII_KEYS, ZONGZHI_PII_INDEX_KEYS and ZONGZHI_TRACKING_SECRET must be set" in result.stderr


def test_production_refuses_without_allowed_hosts():
    env = _child_env("zongzhi.settings.production", DJANGO_SECRET_KEY=_secret(), DJANGO_ALLOWED_HOSTS="")
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS must list the host names" in result.stderr


# --- production passes the deployment checklist --------------------------------------------


def test_production_https_defaults_pass_check_deploy_without_warnings():
    env = _child_env(
        "zongzhi.settings.production", DJANGO_SECRET_KEY=_secret(), DJANGO_ALLOWED_HOSTS="zongzhi.example.cn"
    )
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_plain_http_switch_passes_check_deploy():
    env = _child_env(
        "zongzhi.settings.production",
        DJANGO_SECRET_KEY=_secret(),
        DJANGO_ALLOWED_HOSTS="10.0.0.5,zongzhi.intranet",
        DJANGO_SECURE_HTTPS="false",
    )
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_plain_http_switch_turns_off_exactly_the_https_settings():
    probe = """
import json
from django.conf import settings as s
print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,
                  s.SECURE_HSTS_SECONDS, s.SECURE_CONTENT_TYPE_NOSNIFF, s.SESSION_COOKIE_HTTPONLY]))
"""
    base = {"DJANGO_SECRET_KEY": _secret(), "DJANGO_ALLOWED_HOSTS": "zongzhi.example.cn"}
    https = _run(["-c", probe], _child_env("zongzhi.settings.production", **base))
    http = _run(["-c", probe], _child_env("zongzhi.settings.production", DJANGO_SECURE_HTTPS="false", **base))
    assert https.returncode == 0, https.stderr
    assert http.returncode == 0, http.stderr
    assert json.loads(https.stdout) == [False, True, True, True, 31536000, True, True]
    assert json.loads(http.stdout) == [False, False, False, False, 0, True, True]


# --- the embedded default and the switches -------------------------------------------------


def test_embedded_default_is_sqlite_with_eager_celery():
    probe = _probe()
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert probe["name"] == str(ROOT / "db.sqlite3")
    assert probe["always_eager"] is True
    assert probe["eager_propagates"] is True
    assert probe["app_always_eager"] is True  # the Celery app reads the Django settings
    assert probe["broker_url"] == "memory://"
    assert probe["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert probe["debug"] is True
    assert (probe["time_zone"], probe["language_code"]) == ("Asia/Shanghai", "zh-hans")


def test_database_url_switches_to_postgresql_with_the_pool():
    probe = _probe(DATABASE_URL="postgres://zongzhi:secret@db.example:5432/zongzhi")
    assert probe["engine"] == "common.postgresql"  # Django's backend with a pool that purges dead connections
    assert probe["name"] == "zongzhi"
    assert probe["pool"] == {"min_size": 2, "max_size": 20, "timeout": 10}
    assert probe["conn_max_age"] == 0  # Django's pool refuses persistent connections
    # Django 5.2 passes check=ConnectionPool.check_connection to the pool: no dead connection handed out.
    assert probe["conn_health_checks"] is True
    assert probe["always_eager"] is True  # the database alone does not bring a broker


def test_database_pool_can_be_sized_or_turned_off():
    sized = _probe(DATABASE_URL="postgres://u@db/zongzhi", DATABASE_POOL_MIN="1", DATABASE_POOL_MAX="5")
    assert sized["pool"] == {"min_size": 1, "max_size": 5, "timeout": 10}
    waiting = _probe(DATABASE_URL="postgres://u@db/zongzhi", DATABASE_POOL_TIMEOUT="2.5")
    assert waiting["pool"]["timeout"] == 2.5
    off = _probe(DATABASE_URL="postgres://u@db/zongzhi", DATABASE_POOL="false")
    assert off["pool"] is None
    assert off["conn_max_age"] == 0


def test_broker_url_turns_eager_off_and_redis_url_the_cache_on():
    probe = _probe(CELERY_BROKER_URL="redis://127.0.0.1:6379/0", REDIS_URL="redis://127.0.0.1:6379/1")
    assert probe["always_eager"] is False
    assert probe["eager_propagates"] is False
    assert probe["app_always_eager"] is False
    assert probe["broker_url"] == "redis://127.0.0.1:6379/0"
    assert probe["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert probe["engine"] == "django.db.backends.sqlite3"  # the broker alone keeps SQLite


def test_production_static_files_collect(tmp_path):
    """The web container runs collectstatic at start: every file a CSS/JS file references must exist.

    Django's manifest storage resolves those references (url(), sourceMappingURL) exactly as
    production's WhiteNoise storage does, without the slow compression step.
    """
    script = f"""
import django
from django.conf import settings
from django.core.management import call_command
settings.STATIC_ROOT = {str(tmp_path / "static")!r}
settings.STORAGES = {{**settings.STORAGES,
    "staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}}}
django.setup()
call_command("collectstatic", interactive=False, verbosity=0)
"""
    env = _child_env(
        "zongzhi.settings.production", DJANGO_SECRET_KEY=_secret(), DJANGO_ALLOWED_HOSTS="zongzhi.example.cn"
    )
    result = _run(["-c", script], env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
