"""Forms of the screening queue and the decisions on a lead: parse input only, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.codes import InvalidCaseCode, normalize_code
from cases.models import Category

from ..models import Feed, Lead
from ..selectors import ALL, OPEN

STATE_CHOICES = [(OPEN, _("待处置")), (ALL, _("全部状态")), *Lead.State.choices]
MAX_SCORE = 10_000


class LeadFilterForm(forms.Form):
    feed = forms.ChoiceField(
        label=_("数据来源"), required=False, choices=[("", _("全部来源")), *Feed.choices]
    )
    state = forms.ChoiceField(label=_("状态"), required=False, choices=STATE_CHOICES)
    min_score = forms.IntegerField(
        label=_("最低风险分"),
        required=False,
        min_value=0,
        max_value=MAX_SCORE,
        error_messages={"invalid": _("请输入整数。")},
    )
    township = forms.ModelChoiceField(
        label=_("乡镇（街道）"), required=False, queryset=None, empty_label=_("全部乡镇")
    )

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["min_score"].widget.attrs.update(min=0, step=1)

    def filters(self) -> dict:
        """Return the selector's keyword arguments (the defaults when the form is not valid)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "feed": data.get("feed") or None,
            "state": data.get("state") or OPEN,
            "min_score": data.get("min_score"),
            "township": data.get("township"),
        }


class VersionForm(forms.Form):
    """Every decision carries the lead's version the coordinator saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class OpenCaseForm(VersionForm):
    title = forms.CharField(label=_("事项"), max_length=120)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    description = forms.CharField(
        label=_("事项描述"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("留空则使用线索内容。"),
    )


class AttachForm(VersionForm):
    case_code = forms.CharField(label=_("案件编号"), max_length=40)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_case_code(self):
        try:
            return normalize_code(self.cleaned_data["case_code"])
        except InvalidCaseCode as exc:
            raise forms.ValidationError(str(exc.message)) from None


class HandForm(VersionForm):
    township = forms.ModelChoiceField(label=_("交给乡镇（街道）"), queryset=None)
    note = forms.CharField(label=_("交办说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships


class WatchForm(VersionForm):
    review_on = forms.DateField(
        label=_("复查日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    measures = forms.CharField(label=_("管控措施"), widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DismissForm(VersionForm):
    reason = forms.CharField(
        label=_("排除理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写排除理由。")},
    )


class ReopenForm(VersionForm):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
