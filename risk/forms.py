"""Forms of the risk app's staff pages: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .imports import MAX_FILE_BYTES, ImportFileError, parse_upload
from .models import Feed


class LeadImportForm(forms.Form):
    """Upload a CSV or xlsx of one feed's items (checked in a dry run before anything is written)."""

    feed = forms.ChoiceField(label=_("数据来源"), choices=Feed.choices)
    file = forms.FileField(
        label=_("文件（CSV 或 xlsx）"),
        help_text=_("第一行为表头；每次最多 10000 行、5 MB。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件过大：最大 %(mb)s MB。") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        try:
            self.cleaned_data["sheet"] = parse_upload(upload.name, upload.read())
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


class _LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class GridReportForm(forms.Form):
    """A grid member's report (民情) on a phone: what, when, where, who."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("情况描述"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    occurred_at = forms.DateTimeField(
        label=_("发生时间"),
        widget=_LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    township = forms.ModelChoiceField(label=_("乡镇（街道）"), queryset=None, required=False)
    place = forms.ModelChoiceField(label=_("村（社区）/网格"), queryset=None, required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    person1_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    person1_phone = forms.CharField(
        label=_("电话"), max_length=32, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    person1_id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    person2_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    person2_phone = forms.CharField(
        label=_("电话"), max_length=32, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    person2_id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)

    def __init__(self, *args, townships, places, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.models import Category

        self.fields["township"].queryset = townships
        self.fields["township"].required = townships.exists()
        self.fields["place"].queryset = places
        self.fields["place"].label_from_instance = lambda p: (
            f"{p.parent.name} · {p.name}" if p.parent_id else p.name
        )
        self.fields["category"].choices = [("", _("（不选）")), *Category.choices]

    def clean(self):
        data = super().clean()
        township, place = data.get("township"), data.get("place")
        if place is not None and township is not None and place.township_id != township.pk:
            self.add_error("place", _("所选村（社区）/网格不在该乡镇（街道）。"))
        return data

    def people(self) -> list[dict]:
        people = []
        for n in (1, 2):
            person = {
                "name": self.cleaned_data.get(f"person{n}_name", ""),
                "phone": self.cleaned_data.get(f"person{n}_phone", ""),
                "id_number": self.cleaned_data.get(f"person{n}_id_number", ""),
                "role": "",
            }
            if any(person.values()):
                people.append(person)
        return people
