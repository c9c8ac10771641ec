from django.contrib import admin

# --- Grading models (risk.grading): read-only, with their held-out metrics --------------------------
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _grading_

from .models import GradingModel


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1%}"


@admin.register(GradingModel)
class GradingModelAdmin(admin.ModelAdmin):
    """Trained models are data written by the training job: shown, never edited by hand."""

    list_display = (
        "center",
        "trained_at",
        "is_active",
        "train_count",
        "test_count",
        "precision",
        "recall",
        "f1",
    )
    list_filter = ("is_active", "center")
    fields = (
        "center", "trained_at", "train_until", "test_until", "is_active", "train_count", "test_count",
        "precision", "recall", "f1", "top_factors", "metrics",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_grading_("训练案件"))
    def train_count(self, obj):
        return obj.metrics.get("train")

    @admin.display(description=_grading_("检验案件"))
    def test_count(self, obj):
        return obj.metrics.get("test")

    @admin.display(description=_grading_("检验期精确率"))
    def precision(self, obj):
        return _percent(obj.metrics.get("precision"))

    @admin.display(description=_grading_("检验期召回率"))
    def recall(self, obj):
        return _percent(obj.metrics.get("recall"))

    @admin.display(description="F1")
    def f1(self, obj):
        return _percent(obj.metrics.get("f1"))

    @admin.display(description=_grading_("权重最高的因素"))
    def top_factors(self, obj):
        weights = obj.params.get("weights", {})
        labels = obj.params.get("feature_labels", {})
        top = sorted(weights.items(), key=lambda item: -item[1])[:20]
        return format_html_join("", "<div>{}: {}</div>", ((labels.get(n, n), f"{w:+.3f}") for n, w in top))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- end of grading models -------------------------------------------------------------------------
