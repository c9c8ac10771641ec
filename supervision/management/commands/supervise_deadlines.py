"""``manage.py supervise_deadlines``: run the deadline sweep now, as the 10-minute job does."""

import time

from django.core.management.base import BaseCommand

from supervision.services import deadline_sweep


class Command(BaseCommand):
    help = (
        "Send the reminders, issue the supervision orders and raise the levels that are due now (idempotent)."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        result = deadline_sweep()
        self.stdout.write(
            self.style.SUCCESS(
                f"时限巡查完成：提醒 {result.reminders} 条，督办单 {result.orders} 件，"
                f"挂牌督办 {result.leader_orders} 件（其中升级 {result.raised} 件），"
                f"转入督办中 {result.supervised_cases} 件，站内通知 {result.notifications} 条。"
                f"用时 {time.monotonic() - started:.2f} 秒。"
            )
        )
