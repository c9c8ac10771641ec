from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.models import RiskColour

from .models import ColourThreshold, ScreeningRule
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
