"""Train the escalation grading model (风险分级) of a county center, or of every county center."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from departments.models import Center, Level
from risk.grading import DEFAULT_MIN_CASES, DEFAULT_MIN_POSITIVES, GradingError, train


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = "Train the grading model on closed cases and report its precision/recall on the held-out months."

    def add_arguments(self, parser):
        parser.add_argument("--center", help="center code or slug (default: every county center)")
        parser.add_argument(
            "--test-months", type=int, default=3, help="held-out months at the end (default 3)"
        )
        parser.add_argument("--min-cases", type=int, default=DEFAULT_MIN_CASES)
        parser.add_argument("--min-positives", type=int, default=DEFAULT_MIN_POSITIVES)
        parser.add_argument("--now", help="ISO 8601 moment to train as of (default: now)")

    def handle(self, *args, **options):
        if options["center"]:
            centers = list(Center.objects.filter(Q(code=options["center"]) | Q(slug=options["center"])))
            if not centers:
                raise CommandError(f"no center {options['center']!r}")
        else:
            centers = list(Center.objects.filter(level=Level.COUNTY).order_by("code"))
        now = dt.datetime.fromisoformat(options["now"]) if options["now"] else None
        failed = 0
        for center in centers:
            try:
                model = train(
                    center,
                    now=now,
                    test_months=options["test_months"],
                    min_cases=options["min_cases"],
                    min_positives=options["min_positives"],
                )
            except GradingError as exc:
                failed += 1
                self.stderr.write(f"{center.code} {center.name}: {exc.message}")
                continue
            m = model.metrics
            self.stdout.write(
                f"{center.code} {center.name}: model {model.pk}; train {m['train']} cases "
                f"({m['positives_train']} escalated, base rate {_pct(m['base_rate_train'])}), "
                f"test {m['test']} cases ({m['positives_test']} escalated, base rate {_pct(m['base_rate_test'])}) "
                f"from {m['test_from'][:10]}; features {m['features']} ({m['words']} words); "
                f"threshold {m['threshold']:.3f}; held-out precision {_pct(m['precision'])}, "
                f"recall {_pct(m['recall'])}, F1 {_pct(m['f1'])}, AUC {m['auc'] if m['auc'] is None else round(m['auc'], 3)}; "
                f"fit {m['seconds']:.2f} s, features {m['feature_seconds']:.2f} s; "
                f"label kinds {m['label_kinds']}"
            )
        if failed and failed == len(centers):
            raise CommandError("no model trained")
