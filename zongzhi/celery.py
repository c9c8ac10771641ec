"""The Celery application; tasks are discovered in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from common.redact import add_redacting_filter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongzhi.settings.base")

app = Celery("zongzhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The worker sets up its own log handlers: they mask phone and ID numbers and drop keys too.
after_setup_logger.connect(add_redacting_filter, weak=False)
after_setup_task_logger.connect(add_redacting_filter, weak=False)
