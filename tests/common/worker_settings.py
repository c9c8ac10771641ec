"""Settings of the worker process the outbox test starts: texts and mail to files the test reads."""

import os

from zongzhi.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["ZONGZHI_TEST_MAIL_DIR"]
ZONGZHI_SMS_BACKEND = "cases.sms.FileSmsBackend"
ZONGZHI_SMS_FILE_PATH = os.environ["ZONGZHI_TEST_SMS_FILE"]
