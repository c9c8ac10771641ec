"""Forms of the risk ledger's pages: mark a case as a risk, update a line, resolve it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.codes import InvalidCaseCode, normalize_code
from cases.models import RiskColour
from departments.models import Center, Department


class MarkCaseForm(forms.Form):
    """登记风险隐患：输入案件编号 (the case is looked up by the view, the rest goes to the service)."""

    code = forms.CharField(
        label=_("案件编号"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "420923-2026-000123-7", "autocomplete": "off"}),
    )
    colour = forms.ChoiceField(
        label=_("风险等级"),
        required=False,
        choices=[("", _("按案件风险等级")), *RiskColour.choices],
    )
    measures = forms.CharField(
        label=_("管控措施"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    review_on = forms.DateField(
        label=_("复查日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_code(self) -> str:
        try:
            return normalize_code(self.cleaned_data["code"])
        except InvalidCaseCode as exc:
            raise forms.ValidationError(exc.message) from exc


class RiskEntryForm(forms.Form):
    """Update a ledger line: measures, review date, responsible department."""

    measures = forms.CharField(
        label=_("管控措施"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    review_on = forms.DateField(
        label=_("复查日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    department = forms.ModelChoiceField(
        label=_("责任单位"), required=False, queryset=Department.objects.none()
    )

    def __init__(self, *args, center: Center, **kwargs):
        super().__init__(*args, **kwargs)
        chain = [code for code in center.path.split("/") if code]
        self.fields["department"].queryset = (
            Department.objects.filter(center__code__in=chain, is_active=True)
            .select_related("center")
            .order_by("center__path", "name")
        )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("化解情况"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
