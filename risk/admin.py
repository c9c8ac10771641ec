from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_lazy as _grading_

from cases.admin_search import ReadOnlyAdminMixin
from cases.models import RiskColour
from departments.admin_scope import CenterScopedAdminMixin

from .models import ColourThreshold, FeedClient, GradingModel, Lead, LeadEvent, LeadPerson, ScreeningRule
from .screening import example_params, params_errors, template_errors
from .services.rules import screening_rules_changed

# ===== Screening rules and colour thresholds (issue 14, screening slice) =========================
# Saving or deleting either queues the re-screening of every open lead (risk.services.rules).


class ScreeningRuleForm(forms.ModelForm):
    class Meta:
        model = ScreeningRule
        fields = ["name", "kind", "weight", "params", "explanation", "is_active", "order"]
        help_texts = {
            "params": _(
                'JSON 对象，按类型：同一人员 {"window_days": 30, "min_feeds": 2} 或 {"window_days": 30, '
                '"min_hits": 3}；关联案件 {"closed_within_days": 90}；关键词 {"words": ["讨薪", "欠薪"]}'
                '（词组中的词用空格隔开）；人数 {"min_people": 5}；地点上升 {"window_days": 7, "baseline_days": 56, '
                '"ratio": 2.0, "min_count": 3}。'
            )
        }

    def clean_explanation(self):
        explanation = self.cleaned_data["explanation"]
        errors = template_errors(explanation)
        if errors:
            raise forms.ValidationError(errors)
        return explanation

    def clean(self):
        cleaned = super().clean()
        kind, params = cleaned.get("kind"), cleaned.get("params")
        if kind and "params" in cleaned:
            errors = params_errors(kind, params)
            if errors:
                self.add_error(
                    "params", [*errors, _("示例：%(example)s") % {"example": example_params(kind)}]
                )
        return cleaned


class RescreenOnChangeMixin:
    """After a save or a delete, every open lead is screened again (after the commit)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        screening_rules_changed(request.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        screening_rules_changed(request.user)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        screening_rules_changed(request.user)


@admin.register(ScreeningRule)
class ScreeningRuleAdmin(RescreenOnChangeMixin, admin.ModelAdmin):
    form = ScreeningRuleForm
    list_display = ["name", "kind", "weight", "is_active", "order", "explanation"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "explanation"]
    ordering = ["order", "id"]


class ColourThresholdForm(forms.ModelForm):
    class Meta:
        model = ColourThreshold
        fields = ["colour", "min_score"]

    def clean(self):
        cleaned = super().clean()
        colour, score = cleaned.get("colour"), cleaned.get("min_score")
        if colour == RiskColour.BLUE:
            self.add_error("colour", _("蓝色无需分数线：低于黄色分数线即为蓝色。"))
        elif colour and score is not None:
            others = dict(
                ColourThreshold.objects.exclude(pk=self.instance.pk).values_list("colour", "min_score")
            )
            red = score if colour == RiskColour.RED else others.get(RiskColour.RED)
            yellow = score if colour == RiskColour.YELLOW else others.get(RiskColour.YELLOW)
            if red is not None and yellow is not None and red <= yellow:
                self.add_error("min_score", _("红色分数线应高于黄色分数线。"))
        return cleaned


@admin.register(ColourThreshold)
class ColourThresholdAdmin(RescreenOnChangeMixin, admin.ModelAdmin):
    form = ColourThresholdForm
    list_display = ["colour", "min_score"]
    ordering = ["-min_score"]


# ===== end of screening rules =====================================================================


# --- Ingestion (issue 14, ingest slice): feed clients, leads (read-only), their log -------------


@admin.register(FeedClient)
class FeedClientAdmin(CenterScopedAdminMixin, admin.ModelAdmin):
    """The systems and accounts allowed to post one feed's items to one center."""

    list_display = ["name", "feed", "center", "user", "is_active", "token_hint", "created_at"]
    list_filter = ["feed", "is_active", "center"]
    search_fields = ["name", "user__username"]
    list_select_related = ["center", "user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["token_hint"]
    fields = ["name", "feed", "center", "user", "is_active", "token_hint"]

    @admin.display(description=_("接口令牌"))
    def token_hint(self, obj):
        if obj is None or not obj.pk:
            return _("保存后在“令牌”中为该账号创建令牌，或运行 manage.py drf_create_token <用户名>。")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:authtoken_tokenproxy_add") + f"?user={obj.user_id}",
            _("为该账号创建令牌"),
        )


class LeadPersonInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LeadPerson
    extra = 0
    fields = ["name_masked", "phone_masked", "id_number_masked", "role"]
    readonly_fields = fields

    @admin.display(description=_("姓名"))
    def name_masked(self, obj):
        return obj.name_masked

    @admin.display(description=_("联系电话"))
    def phone_masked(self, obj):
        return obj.phone.masked if obj.phone else ""

    @admin.display(description=_("身份证号"))
    def id_number_masked(self, obj):
        return obj.id_number.masked if obj.id_number else ""


class LeadEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LeadEvent
    extra = 0
    fields = ["created_at", "action", "actor", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Lead)
class LeadAdmin(CenterScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Leads are written by the ingestion service and acted on in the screening queue: view only here."""

    list_display = ["external_id", "feed", "center", "occurred_at", "state", "score", "people_count"]
    list_filter = ["feed", "state", "proposed_colour"]
    search_fields = ["external_id"]
    list_select_related = ["center"]
    date_hierarchy = "occurred_at"
    fields = [
        "feed", "external_id", "center", "received_center", "client", "occurred_at", "text", "category",
        "category_text", "place_text", "township", "place", "people_count", "state", "score",
        "proposed_colour", "reasons", "screened_at", "case", "version",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [LeadPersonInline, LeadEventInline]


# --- end of the ingest slice's registrations ---------------------------------------------------

# --- Grading models (risk.grading): read-only, with their held-out metrics --------------------------


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
