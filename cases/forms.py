"""Reception forms: intake (受理登记) with its parties, and case search."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.validators import validate_id_number, validate_phone
from departments.models import Center, Department, Desk, Place, Service, ServicePackage
from departments.places import places_under
from departments.scope import child_centers, own_center_q

from .attachments import max_files, validate_upload
from .models import (
    Category,
    HandlingRecord,
    Party,
    RedirectTarget,
    ReferralReason,
    ResultKind,
    RiskColour,
    Source,
)
from .selectors import default_mediator, mediating_organisations


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each checked for type and size."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > max_files():
            raise ValidationError(_("一次最多上传 %(n)s 个附件。"), params={"n": max_files()})
        errors = []
        for upload in files:
            try:
                validate_upload(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files


class IntakeForm(forms.Form):
    """What the desk records about the matter; the parties come in :class:`PartyFormSet`.

    A return visit on an open case (``visit_case`` set: "本次来访属于此案件") needs only the
    visitor (the first party), the desk, the head count, the visit's note and any files: the
    case's own fields are neither asked nor checked.
    """

    # The matter's fields: asked for a new case only.
    CASE_FIELDS = (
        "title",
        "category",
        "source",
        "location",
        "place",
        "description",
        "requested_services",
        "is_collective",
    )

    intake_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    title = forms.CharField(
        label=_("事项"),
        max_length=120,
        required=False,
        help_text=_("一句话概括，如“某工地拖欠 12 名工人工资”。"),
    )
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("请选择")), *Category.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("来源"), choices=Source.choices, initial=Source.WALK_IN, required=False
    )
    location = forms.CharField(label=_("发生地点"), max_length=200, required=False)
    place = forms.TypedChoiceField(
        label=_("村（社区）/网格"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("事项发生在本中心辖区内哪个村（社区）或网格，用于统计。"),
    )
    description = forms.CharField(
        label=_("事项描述"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    requested_services = forms.ModelMultipleChoiceField(
        label=_("申请服务"),
        queryset=Service.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    desk = forms.ModelChoiceField(
        label=_("受理窗口"),
        queryset=Desk.objects.filter(is_active=True).select_related("department"),
        required=False,
    )
    is_collective = forms.BooleanField(label=_("集体访"), required=False)
    people_count = forms.IntegerField(
        label=_("来访人数"), min_value=1, max_value=10000, required=False, initial=1
    )
    visit_case = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    note = forms.CharField(
        label=_("本次来访诉求"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("记录在该案件上，如“询问办理进度，要求尽快答复”。"),
    )
    attachments = MultipleFileField(
        label=_("附件"), required=False, help_text=_("PDF、图片、Word、Excel，单个不超过 10 MB。")
    )

    def __init__(self, *args, desk=None, center=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._center, self._places = center, None
        # Loaded when the select is drawn or a place is chosen: a submission without one asks nothing.
        self.fields["place"].choices = lambda: place_choices(self.places.values())
        if user is not None:
            # The desks of the user's own center only.
            self.fields["desk"].queryset = self.fields["desk"].queryset.filter(
                own_center_q(user, "department__center")
            )
        if not self.is_bound:
            self.initial.setdefault("intake_key", uuid.uuid4().hex)
            if desk is not None:
                self.initial.setdefault("desk", desk.pk)
        for name in ("title", "category", "source", "description"):
            self.fields[name].widget.attrs["required"] = True  # required for a new case (see clean)

    @property
    def places(self) -> dict[int, Place]:
        """The places the user may name (their center's townships'), by id."""
        if self._places is None:
            self._places = {p.pk: p for p in places_under(self._center)}
        return self._places

    @property
    def is_visit(self) -> bool:
        """Whether this submission records a return visit on an open case."""
        return bool((self.data.get(self.add_prefix("visit_case")) if self.is_bound else "") or "")

    def clean(self):
        data = super().clean()
        if data.get("visit_case"):
            # A return visit is recorded on its case: the matter's fields are not asked, so not checked.
            for name in self.CASE_FIELDS:
                self._errors.pop(name, None)
                data[name] = self.fields[name].to_python(None) if name != "requested_services" else []
            return data
        for name in ("title", "category", "source", "description"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("这是必填项。"))
        return data

    def clean_place(self) -> Place | None:
        """Return the chosen place: one of the choices, so under the user's center (the service checks again)."""
        pk = self.cleaned_data.get("place")
        return self.places.get(pk) if pk is not None else None


def place_choices(places) -> list:
    """Return the choices of a place select: grouped by township when there are several."""
    groups: dict[str, list] = {}
    for place in places:
        groups.setdefault(place.township.name.removesuffix("综治中心"), []).append((place.pk, str(place)))
    choices: list = [("", _("（不选）"))]
    if len(groups) == 1:
        return choices + next(iter(groups.values()))
    return choices + list(groups.items())


class PartyForm(forms.Form):
    """One party: name, phone, ID number, role, representative of a collective visit."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "class": "person-key"}),
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        validators=[validate_id_number],
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "person-key"}),
    )
    role = forms.ChoiceField(label=_("身份"), choices=Party.Role.choices, initial=Party.Role.APPLICANT)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[("", _("按名称判断")), *Party.Kind.choices],
        required=False,
    )
    is_representative = forms.BooleanField(label=_("代表人"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("role") == Party.Role.APPLICANT and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("申请人须留联系电话，用于通知和查询进度。"))
        return data


class BasePartyFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        alive = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        if not alive:
            raise ValidationError(_("至少登记一名当事人。"))
        if sum(1 for f in alive if f.cleaned_data.get("is_representative")) > 5:
            raise ValidationError(_("集体访最多推选 5 名代表。"))

    def alive_forms(self):
        return [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]


PartyFormSet = forms.formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=0, min_num=1, validate_min=True, max_num=200, can_delete=True
)


class CaseSearchForm(forms.Form):
    q = forms.CharField(
        label=_("查询"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("案件编号、电话、身份证号或姓名"), "autofocus": True}),
    )


# --- Case actions (研判、交办、签收、办理、审核 …) ---------------------------------------------------


class ActionForm(forms.Form):
    """Base of every action on a case: carries the version the user saw (concurrency check)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, case=None, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)
        if case is not None and not self.is_bound:
            self.initial.setdefault("version", case.version)


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("原因/说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PackageSelect(forms.Select):
    """A package's options carry the departments it proposes, for static/js/assign.js to fill in."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        package = getattr(value, "instance", None)
        if package is not None:
            option["attrs"]["data-lead"] = package.lead_department_id or ""
            option["attrs"]["data-co"] = ",".join(str(d.pk) for d in package.co_departments.all())
        return option


class PackageChoiceField(forms.ModelChoiceField):
    """A service package shown with the services it combines."""

    widget = PackageSelect

    def label_from_instance(self, obj):
        services = "、".join(s.name for s in obj.services.all())
        return f"{obj.name}（{services}）" if services else obj.name


class AssignForm(ActionForm):
    risk_colour = forms.ChoiceField(label=_("风险等级"), choices=RiskColour.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    package = PackageChoiceField(
        label=_("服务套餐"),
        queryset=ServicePackage.objects.filter(is_active=True).prefetch_related("services", "co_departments"),
        required=False,
        help_text=_("选择套餐后将建议牵头和协办单位，可修改。"),
    )
    lead_department = forms.ModelChoiceField(
        label=_("牵头单位"), queryset=Department.objects.filter(is_active=True)
    )
    co_departments = forms.ModelMultipleChoiceField(
        label=_("协办单位"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    instructions = forms.CharField(
        label=_("交办意见（怎么办）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(
        label=_("调整办结期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("留空则按时限规则计算；调整不得超过法定时限。"),
    )
    due_by_reason = forms.CharField(label=_("调整理由"), max_length=500, required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        if case is not None:
            # The departments stationed at the center holding the case, and the packages they lead.
            here = Q(center_id=case.center_id)
            self.fields["lead_department"].queryset = self.fields["lead_department"].queryset.filter(here)
            self.fields["co_departments"].queryset = self.fields["co_departments"].queryset.filter(here)
            self.fields["package"].queryset = self.fields["package"].queryset.filter(
                Q(lead_department__isnull=True) | Q(lead_department__center_id=case.center_id)
            )
        if case is not None and not self.is_bound:
            self.initial.setdefault(
                "risk_colour", case.risk_colour or case.proposed_colour or RiskColour.BLUE
            )
            self.initial.setdefault("category", case.category)


class SubmitResultForm(ActionForm):
    result_kind = forms.ChoiceField(label=_("结果类型"), choices=ResultKind.choices)
    result = forms.CharField(label=_("办理结果"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    agreement_terms = forms.CharField(
        label=_("调解协议条款"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("达成调解协议时填写，将打印在调解协议书上。"),
    )
    judicial_confirmation = forms.BooleanField(label=_("送人民法院申请司法确认"), required=False)
    mediated_by = forms.ModelChoiceField(
        label=_("调解组织"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("主持调解的组织，其名称印在调解协议书的印章和落款处。"),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        if case is None:
            return
        organisations = mediating_organisations(case)
        field = self.fields["mediated_by"]
        field.queryset = Department.objects.filter(pk__in=[d.pk for d in organisations])
        own = [
            (
                d.pk,
                _("%(name)s（牵头单位）") % {"name": d.name} if d.pk == case.lead_department_id else d.name,
            )
            for d in organisations
            if d.on_case
        ]
        others = [(d.pk, d.name) for d in organisations if not d.on_case]
        field.choices = [(_("本案单位"), own), *([(_("调解组织"), others)] if others else [])]
        if not self.is_bound and (proposed := default_mediator(organisations)):
            self.initial.setdefault("mediated_by", proposed.pk)


class RejectForm(ReasonForm):
    redirect_target = forms.ChoiceField(
        label=_("引导去向"), choices=[("", _("不引导（不予受理）")), *RedirectTarget.choices], required=False
    )


class RecordForm(forms.Form):
    """A handling record; the kinds offered are those the user may add (``record_kinds_for``)."""

    kind = forms.ChoiceField(label=_("类型"), choices=HandlingRecord.Kind.choices)
    text = forms.CharField(label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    is_public = forms.BooleanField(label=_("向当事人公开"), required=False)
    attachments = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            labels = dict(HandlingRecord.Kind.choices)
            self.fields["kind"].choices = [(k, labels[k]) for k in kinds]
            if kinds and not self.is_bound:
                self.initial.setdefault("kind", kinds[0])


class QueueFilterForm(forms.Form):
    colour = forms.ChoiceField(
        label=_("风险等级"), choices=[("", _("全部")), *RiskColour.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部")), *Category.choices], required=False
    )
    department = forms.ModelChoiceField(
        label=_("牵头单位"), queryset=Department.objects.all(), required=False, empty_label=_("全部")
    )
    source = forms.ChoiceField(label=_("来源"), choices=[("", _("全部")), *Source.choices], required=False)
    date_from = forms.DateField(
        label=_("受理日期从"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    date_to = forms.DateField(
        label=_("至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    sort = forms.ChoiceField(
        label=_("排序"),
        choices=[("deadline", _("按期限")), ("-created", _("最新受理")), ("created", _("最早受理"))],
        required=False,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # The workbench is the user's own center's: the departments stationed at it.
            self.fields["department"].queryset = Department.objects.filter(own_center_q(user))


class RevealForm(forms.Form):
    """Why the user asks to see a full phone or ID number (chosen from the suggestions or typed)."""

    reason = forms.CharField(label=_("查看事由"), max_length=100, strip=True)


# --- 吹哨报到 ------------------------------------------------------------------------------------


class WhistleForm(forms.Form):
    """Blow the whistle (吹哨): the urgency (its hours read from the rule table), whom to summon, why."""

    urgency = forms.ChoiceField(label=_("紧急程度"), widget=forms.RadioSelect)
    departments = forms.ModelMultipleChoiceField(
        label=_("召集单位"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("吹哨事由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case, **kwargs):
        from departments.models import WhistleRule

        from .selectors import summonable_departments

        super().__init__(*args, **kwargs)
        hours = dict(WhistleRule.objects.values_list("urgency", "hours"))
        self.fields["urgency"].choices = [
            (
                value,
                _("%(label)s（%(hours)s小时内报到）")
                % {"label": label, "hours": hours.get(value, WhistleRule.DEFAULT_HOURS[value])},
            )
            for value, label in WhistleRule.Urgency.choices
        ]
        self.fields["departments"].queryset = summonable_departments(case)
        self.fields["departments"].label_from_instance = lambda d: d.display_name


class SummonsReportForm(forms.Form):
    """Report to a whistle (报到): who came, and a note."""

    attendee = forms.CharField(
        label=_("到场人员"), max_length=100, help_text=_("姓名、职务，如：王强 副局长。")
    )
    note = forms.CharField(
        label=_("报到说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Between centers (上报、下派、移交) -----------------------------------------------------------


class EscalateForm(ActionForm):
    """上报: why the case goes to the parent center."""

    reason_kind = forms.ChoiceField(label=_("上报理由"), choices=ReferralReason.choices)
    reason = forms.CharField(label=_("情况说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class InstructionsForm(ActionForm):
    """退回下级: what the child center is to do."""

    instructions = forms.CharField(
        label=_("办理要求"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignDownForm(ActionForm):
    """下派: a direct child center, a deadline (a day: it ends at midnight) and instructions."""

    center = forms.ModelChoiceField(label=_("下级中心"), queryset=Center.objects.none())
    due_date = forms.DateField(
        label=_("办结期限"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    instructions = forms.CharField(
        label=_("办理要求"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        if case is not None:
            self.fields["center"].queryset = child_centers(case.center)


class TransferForm(ActionForm):
    """移交: a county or township center of another branch, and why."""

    to_center = forms.ModelChoiceField(label=_("移交至"), queryset=Center.objects.none())
    reason = forms.CharField(label=_("移交理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case=None, **kwargs):
        from .services import transfer_targets

        super().__init__(*args, case=case, **kwargs)
        if case is not None:
            self.fields["to_center"].queryset = transfer_targets(case.center)
