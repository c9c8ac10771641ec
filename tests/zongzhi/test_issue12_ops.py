"""Issue 12, the operations side: the public address in QR codes, the favicon, the admin's Chinese
names, the scheduled jobs' names, the README's demo accounts, any database password in compose,
and the center's name in the parties' header."""

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from common.public_url import is_loopback_host, is_loopback_url
from tests.factories import CenterFactory
from tests.zongzhi.test_settings import _child_env, _run, _secret

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = "zongzhi.settings.production"


# --- 1. The public address printed in receipts' QR codes ----------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.5.6.7", "::1", "[::1]", "localhost", "LOCALHOST.", "app.localhost", "0.0.0.0", "::",
     "::ffff:127.0.0.1", ""],
)  # fmt: skip
def test_loopback_hosts(host):
    assert is_loopback_host(host) is True


@pytest.mark.parametrize(
    "host",
    [
        "10.0.0.5",
        "192.168.1.20",
        "zongzhi.example.gov.cn",
        "2001:db8::1",
        "localhost.example.cn",
        "128.0.0.1",
    ],
)
def test_reachable_hosts(host):
    assert is_loopback_host(host) is False


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost", True),
        ("http://[::1]:8000/", True),
        ("https://user@127.0.0.1/zz", True),
        ("not a url", True),
        ("https://zongzhi.example.gov.cn", False),
        ("http://10.0.0.5:8000", False),
        ("http://[2001:db8::1]:8000", False),
    ],
)
def test_loopback_urls(url, loopback):
    assert is_loopback_url(url) is loopback


@pytest.mark.parametrize("value", ["", "zongzhi.example.cn", "ftp://zongzhi.example.cn", "https://"])
def test_production_refuses_without_a_public_base_url(value):
    env = _child_env(
        PRODUCTION,
        DJANGO_SECRET_KEY=_secret(),
        DJANGO_ALLOWED_HOSTS="zongzhi.example.cn",
        PUBLIC_BASE_URL=value,
    )
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PUBLIC_BASE_URL must be set in production" in result.stderr


def test_production_takes_the_public_base_url_without_its_trailing_slash():
    env = _child_env(
        PRODUCTION,
        DJANGO_SECRET_KEY=_secret(),
        DJANGO_ALLOWED_HOSTS="zongzhi.example.cn",
        PUBLIC_BASE_URL="https://zongzhi.example.cn/",
    )
    result = _run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings as s; print(s.PUBLIC_BASE_URL)",
        ],
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://zongzhi.example.cn"


def test_production_check_warns_about_a_loopback_public_base_url():
    base = {"DJANGO_SECRET_KEY": _secret(), "DJANGO_ALLOWED_HOSTS": "zongzhi.example.cn"}
    loopback = _run(
        ["manage.py", "check"], _child_env(PRODUCTION, PUBLIC_BASE_URL="http://127.0.0.1:8000", **base)
    )
    assert loopback.returncode == 0, loopback.stderr  # a warning: the server still starts
    assert "common.W001" in loopback.stderr + loopback.stdout
    reachable = _run(["manage.py", "check"], _child_env(PRODUCTION, **base))
    assert "common.W001" not in reachable.stderr + reachable.stdout


def test_development_treats_an_empty_public_base_url_as_unset():
    probe = "from django.conf import settings; print(settings.PUBLIC_BASE_URL)"
    env = _child_env("zongzhi.settings.base", DJANGO_SECRET_KEY="test-" + _secret(), PUBLIC_BASE_URL="")
    result = _run(["-c", probe], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8000"


def _make_public_base_url(*args: str, **env: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("no make")
    if (ROOT / ".env").exists() and "PUBLIC_BASE_URL" in (ROOT / ".env").read_text(encoding="utf-8"):
        pytest.skip("the local .env sets PUBLIC_BASE_URL")
    environment = {
        key: value for key, value in os.environ.items() if key not in {"PUBLIC_BASE_URL", "HOST", "PORT"}
    }
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "public-base-url", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


def test_make_run_passes_a_public_base_url_that_follows_host_and_port():
    assert _make_public_base_url() == "http://127.0.0.1:8000"
    assert _make_public_base_url("HOST=10.1.2.3", "PORT=9000") == "http://10.1.2.3:9000"
    assert _make_public_base_url("HOST=::1") == "http://[::1]:8000"
    listening_everywhere = _make_public_base_url("HOST=0.0.0.0")
    assert listening_everywhere.endswith(":8000") and "0.0.0.0" not in listening_everywhere


def test_make_run_keeps_a_public_base_url_the_user_set():
    assert _make_public_base_url(PUBLIC_BASE_URL="https://zz.example.cn") == "https://zz.example.cn"
    assert _make_public_base_url("PUBLIC_BASE_URL=https://cli.example.cn") == "https://cli.example.cn"


@pytest.fixture
def superuser_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.cn", "zongzhi-test")
    client.force_login(user)
    return client


WARNING = "二维码地址 PUBLIC_BASE_URL 是本机地址"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"])
def test_admin_index_warns_about_a_loopback_public_base_url(superuser_client, settings, url):
    settings.PUBLIC_BASE_URL = url
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert WARNING in page
    assert 'id="public-base-url-warning"' in page


def test_admin_index_is_quiet_about_a_reachable_public_base_url(superuser_client, settings):
    settings.PUBLIC_BASE_URL = "https://zongzhi.example.gov.cn"
    assert WARNING not in superuser_client.get(reverse("admin:index")).content.decode()


def test_compose_and_env_example_require_the_public_base_url():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert compose["x-django-environment"]["PUBLIC_BASE_URL"].startswith("${PUBLIC_BASE_URL:?")
    assert re.search(r"^PUBLIC_BASE_URL=$", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M)


# --- 11. A favicon ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file


@pytest.mark.django_db
def test_pages_link_the_svg_favicon(client):
    page = client.get(reverse("tracking:start")).content.decode()
    match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert match
    icon = client.get(match.group(1))
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body.startswith(b"<svg")


# --- 11. The task results' names in the admin ---------------------------------------------------


def test_admin_index_has_no_english_celery_headings(superuser_client):
    with translation.override("zh-hans"):
        page = superuser_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = ("Celery Results", "Task results", "Group results", "Periodic Tasks", "Axes", "Access attempts",
               "Access failures", "Access logs")  # fmt: skip
    assert [name for name in english if name in page or name.upper() in page] == []
    assert "后台任务结果" in page
    assert "任务执行结果" in page
    assert "登录锁定" in page and "登录失败计数" in page
    assert "周期任务" in page  # django-celery-beat's own Chinese


@pytest.mark.django_db
def test_task_result_names_change_no_migration():
    out = io.StringIO()
    call_command("makemigrations", "django_celery_results", "axes", check=True, dry_run=True, stdout=out)
    assert "No changes detected" in out.getvalue()


# --- 11. The scheduled jobs' names ---------------------------------------------------------------

SCHEDULE_WORDS = re.compile(r"每|分钟|小时|\d{1,2}:\d{2}|every|minute|daily", re.I)


@pytest.mark.django_db
def test_no_scheduled_job_names_its_schedule():
    names = list(PeriodicTask.objects.values_list("name", flat=True))
    assert "督办：时限巡查" in names
    assert [name for name in names if SCHEDULE_WORDS.search(name)] == []


@pytest.mark.django_db
def test_a_changed_interval_is_what_the_job_shows():
    sweep = PeriodicTask.objects.get(task="supervision.tasks.sweep_deadlines")
    sweep.interval, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    sweep.save()
    with translation.override("zh-hans"):
        shown = str(PeriodicTask.objects.get(pk=sweep.pk))
    assert shown == "督办：时限巡查: 每 5 分钟"


# --- 11. The README's demo accounts are what seed_demo prints -------------------------------------


def _readme_accounts() -> dict[str, str]:
    """Return user name → the README's role column, from the demo accounts' table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| user | role |", 1)[1].split("\n\n", 1)[0]
    return dict(re.findall(r"^\| `([a-z-]+)` \| (.+?) \|$", table, re.M))


@pytest.mark.django_db
def test_readme_lists_exactly_the_accounts_seed_demo_prints():
    out = io.StringIO()
    call_command("seed_demo", cases=0, stdout=out)
    printed = out.getvalue().split("演示账号", 1)[1]
    # The README's table is the main county's accounts (the others follow the naming rule it states).
    county = printed.split("（县级，420923）", 1)[1].split("\n\n", 1)[0]
    seeded = dict(re.findall(r"^ +(\S+) +(.+)$", county, re.M))
    readme = _readme_accounts()
    assert sorted(readme) == sorted(seeded)
    assert len(seeded) >= 19
    # Each liaison's department, as printed ("部门联络员 · 县人民法院").
    for username, role in seeded.items():
        if " · " in role:
            assert readme[username].endswith(" · " + role.split(" · ", 1)[1]), username


# --- 11. Any database password in compose --------------------------------------------------------

AWKWARD_PASSWORD = "p@ss:w/rd%2F$HOME#?"


def test_database_by_its_parts_takes_any_password():
    probe = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({k: db[k] for k in ("ENGINE", "HOST", "PORT", "NAME", "USER", "PASSWORD")}))
"""
    env = _child_env(
        "zongzhi.settings.base",
        DJANGO_SECRET_KEY="test-" + _secret(),
        DATABASE_HOST="postgres",
        DATABASE_PASSWORD=AWKWARD_PASSWORD,
    )
    result = _run(["-c", probe], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "ENGINE": "common.postgresql",
        "HOST": "postgres",
        "PORT": "5432",
        "NAME": "zongzhi",
        "USER": "zongzhi",
        "PASSWORD": AWKWARD_PASSWORD,
    }


def test_a_database_url_still_wins_over_the_parts():
    probe = "from django.conf import settings; d = settings.DATABASES['default']; print(d['HOST'], d['NAME'])"
    env = _child_env(
        "zongzhi.settings.base",
        DJANGO_SECRET_KEY="test-" + _secret(),
        DATABASE_URL="postgres://u:p@db.example:5432/other",
        DATABASE_HOST="postgres",
    )
    result = _run(["-c", probe], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["db.example", "other"]


def test_compose_passes_the_database_password_outside_any_url():
    compose_text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    environment = yaml.safe_load(compose_text)["x-django-environment"]
    assert "DATABASE_URL" not in environment
    assert environment["DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert (environment["DATABASE_HOST"], environment["DATABASE_USER"], environment["DATABASE_NAME"]) == (
        "postgres",
        "zongzhi",
        "zongzhi",
    )
    assert not re.search(r"[:/]\$\{POSTGRES_PASSWORD", compose_text)  # never spliced into a URL


def _compose_command() -> list[str] | None:
    """`docker compose` (v2) where the plugin is installed, else Debian's `docker-compose` (v1)."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_accepts_an_awkward_password(tmp_path):
    compose = _compose_command()
    if compose is None:
        pytest.skip("no docker compose CLI: apt-get install docker-compose")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text(
        "DJANGO_SECRET_KEY=x\nDJANGO_ALLOWED_HOSTS=zongzhi.example.cn\nPUBLIC_BASE_URL=https://zongzhi.example.cn\n"
        "ZONGZHI_PII_KEYS=a\nZONGZHI_PII_INDEX_KEYS=b\nZONGZHI_TRACKING_SECRET=c\n"
        f"POSTGRES_PASSWORD='{AWKWARD_PASSWORD}'\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [*compose, "config"], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=_clean_env()
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) >= {"postgres", "redis", "web", "worker", "beat"}
    # The rendered file writes a literal "$" as "$$" (compose's escape), as the containers get it.
    for service, name in (
        ("web", "DATABASE_PASSWORD"),
        ("worker", "DATABASE_PASSWORD"),
        ("postgres", "POSTGRES_PASSWORD"),
    ):
        assert services[service]["environment"][name].replace("$$", "$") == AWKWARD_PASSWORD


def _clean_env() -> dict:
    """The process environment without the settings the .env file must provide."""
    import os

    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "ZONGZHI_", "POSTGRES_", "DATABASE_"))
    }


# --- 11. The parties' header names the center ------------------------------------------------------


def _brand(page: str) -> str:
    return re.search(r'<a class="brand"[^>]*>(.*?)</a>', page, re.S).group(1).strip()


@pytest.mark.django_db
def test_tracking_header_names_the_case_center(client, new_case):
    township = CenterFactory(code="420924", name="城关镇综治分中心", parent=CenterFactory())
    case = new_case(center=township)
    page = client.get(reverse("tracking:case", args=[case.code])).content.decode()
    assert _brand(page) == "城关镇综治分中心"
    assert "综治中心案件管理系统" not in _brand(page)
    # Verified with the applicant's phone digits: the full page, the same header.
    verified = client.post(reverse("tracking:verify", args=[case.code]), {"last4": "5678"}, follow=True)
    assert verified.context["verified"] is True
    assert _brand(verified.content.decode()) == "城关镇综治分中心"


@pytest.mark.django_db
def test_tracking_start_header_names_the_county_center(client, center):
    assert _brand(client.get(reverse("tracking:start")).content.decode()) == "测试县综治中心"
    # A code that names no case: still the county's center.
    missing = client.get(reverse("tracking:start"), {"code": "420923-2026-999999-0"})
    assert _brand(missing.content.decode()) == "测试县综治中心"


@pytest.mark.django_db
def test_staff_pages_keep_the_system_name(client, coordinator):
    client.force_login(coordinator)
    assert "综治中心案件管理系统" in _brand(client.get(reverse("home"), follow=True).content.decode())
