"""``manage.py sample_callbacks --month 2026-10``: draw a month's callback sample by hand."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from supervision.services import callback_round_redraw, callback_round_sample, parse_month, previous_month


class Command(BaseCommand):
    help = (
        "Draw the callback sample of the parties of cases closed in a month (default: the month just ended). "
        "A month that already has a round is left unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM, the month the cases were closed in")
        parser.add_argument(
            "--size", type=int, help="how many parties (default: ZONGZHI_CALLBACK_SAMPLE_SIZE, 30)"
        )
        parser.add_argument("--seed", type=int, help="the random seed (default: a fresh random one, stored)")
        parser.add_argument("--center", help="the center's division code (default: the deployment's county)")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="draw the existing round again from its stored seed and compare",
        )

    def handle(self, *args, month=None, size=None, seed=None, verify=False, center=None, **options):
        from cases.services.intake import default_center
        from departments.models import Center

        try:
            at = Center.objects.get(code=center) if center else default_center()
        except Center.DoesNotExist as exc:
            raise CommandError(f"没有代码为 {center} 的综治中心。") from exc
        try:
            first = parse_month(month) if month else previous_month(timezone.localdate())
            if verify:
                return self._verify(first, at)
            round, created = callback_round_sample(month=first, size=size, seed=seed, center=at)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        label = f"{first:%Y-%m}"
        if not created:
            self.stdout.write(
                self.style.WARNING(
                    f"{label} 已有回访批次（{timezone.localtime(round.created_at):%Y-%m-%d %H:%M} 抽取 "
                    f"{round.sample_size_taken} 人），未作任何改动。"
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{label} 回访抽样完成：可抽样 {round.population_size} 人，计划 {round.sample_size_requested} 人，"
                f"抽取 {round.sample_size_taken} 人；随机种子 {round.seed}。"
            )
        )
        if round.note:
            self.stdout.write(round.note)

    def _verify(self, first, center):
        from supervision.models import CallbackRound

        round = CallbackRound.objects.filter(center=center, month=first).first()
        if round is None:
            raise CommandError(f"{first:%Y-%m} 没有回访批次。")
        redraw = callback_round_redraw(round)
        stored = list(round.callbacks.order_by("position").values_list("party_id", flat=True))
        same = redraw.party_ids == stored
        self.stdout.write(
            f"{first:%Y-%m}：抽样总体{'未变' if redraw.population_unchanged else '已变化'}"
            f"（{redraw.population_size} 人，批次记录 {round.population_size} 人）；"
            f"按种子 {round.seed} 重抽{'结果一致' if same else '结果不一致'}。"
        )
        if not same:
            raise CommandError("重抽结果与批次记录不一致。")
