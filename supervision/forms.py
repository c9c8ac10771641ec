"""Forms of the supervision staff pages: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Rating
from departments.models import Department

from .models import Level, OrderStatus, Reason

STATUS_FILTER = [("", _("全部状态")), ("open", _("未办结（待答复、待核查）")), *OrderStatus.choices]


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=STATUS_FILTER, required=False)
    level = forms.ChoiceField(label=_("级别"), choices=[("", _("全部级别")), *Level.choices], required=False)
    reason = forms.ChoiceField(
        label=_("原因"), choices=[("", _("全部原因")), *Reason.choices], required=False
    )
    department = forms.ModelChoiceField(
        label=_("被督办单位"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        empty_label=_("全部单位"),
    )
    overdue = forms.BooleanField(label=_("只看逾期未答复"), required=False)
    center = forms.ModelChoiceField(
        label=_("综治中心"),
        queryset=None,
        to_field_name="slug",
        required=False,
        empty_label=_("全部中心"),
    )

    def __init__(self, *args, user=None, **kwargs):
        from departments.models import Center
        from departments.scope import visible_centers, visible_centers_q

        super().__init__(*args, **kwargs)
        # Only the centers the user sees (their own, and below it for leaders and coordinators);
        # their departments.
        centers = visible_centers(user) if user is not None else Center.objects.none()
        self.fields["center"].queryset = centers.order_by("path")
        if user is not None:
            self.fields["department"].queryset = Department.objects.filter(
                visible_centers_q(user), is_active=True
            )


class OrderIssueForm(forms.Form):
    """A leader's order with an instruction (领导批示督办) on a case chosen by search (or by its code)."""

    # Filled by the case picker; typed codes in any grouping or case are accepted (the service normalises).
    code = forms.CharField(
        label=_("案件"),
        max_length=40,
        widget=forms.HiddenInput,
        error_messages={"required": _("请先查找并选择要督办的案件。")},
    )
    level = forms.ChoiceField(label=_("督办级别"), choices=Level.choices, initial=Level.LEADER)
    department = forms.ModelChoiceField(
        label=_("被督办单位"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        empty_label=_("（牵头单位）"),
        help_text=_("默认为案件的牵头单位；也可选择协办单位。"),
    )
    instruction = forms.CharField(
        label=_("领导批示"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    required_action = forms.CharField(
        label=_("督办要求"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("不填则使用“请按领导批示办理，并答复办理情况。”"),
    )
    respond_by = forms.DateField(
        label=_("答复期限"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请选择有效的日期。")},
    )


class CaseFindForm(forms.Form):
    """The order form's case picker: code (any grouping), title, or a party's name or number."""

    q = forms.CharField(
        label=_("查找案件"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("编号（如 420923-2026-000123-7）、事项、当事人"),
            }
        ),
    )


class RespondForm(forms.Form):
    response = forms.CharField(
        label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000,
        help_text=_("说明已采取的措施、办理结果和下一步安排。"),
    )  # fmt: skip


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("核查意见（选填）"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重新办理理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class CallbackForm(forms.Form):
    """One call to a party: reached or not, and if reached, the answer."""

    reached = forms.TypedChoiceField(
        label=_("是否接通"),
        choices=[("yes", _("已接通")), ("no", _("未接通"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    rating = forms.ChoiceField(
        label=_("满意度"), choices=Rating.choices, widget=forms.RadioSelect, required=False
    )
    comment = forms.CharField(
        label=_("当事人意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    note = forms.CharField(label=_("备注（如未接通原因）"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("reached") and not data.get("rating"):
            self.add_error("rating", _("已接通时请选择当事人的满意度。"))
        return data
