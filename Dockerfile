# The zongzhi application image: web (gunicorn), Celery worker and beat all run from it.
# Build and run it with docker compose (see docker-compose.yml and README.md).
# Debian trixie: its postgresql-client (17) can dump the compose file's PostgreSQL 16 (make backup).
FROM python:3.11-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# GNU gettext compiles the translation catalogues; pg_dump/pg_restore run the backups.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
# A throwaway key: the base settings would otherwise write a development key into the image.
RUN DJANGO_SECRET_KEY=image-build-only python manage.py compilemessages --ignore=.venv -v0

# Run as an unprivileged user that owns only what it writes: media and static files (named
# volumes copy this ownership) and its home (gunicorn keeps its control socket there).
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/zongzhi zongzhi \
    && mkdir -p /app/media /app/staticfiles \
    && chown zongzhi:zongzhi /app/media /app/staticfiles
USER zongzhi

ENV DJANGO_SETTINGS_MODULE=zongzhi.settings.production
EXPOSE 8000
CMD ["gunicorn", "zongzhi.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
