"""The working-day calendar's admin: load a year from the State Council notice, with a preview.

Registered from ``cases`` because loading a year also recomputes the open cases' provisional
deadlines (:func:`cases.services.calendar_notice_load`); ``departments`` stays below ``cases``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from departments.holidays import parse_notice
from departments.models import CalendarDay

from .services import calendar_notice_load


class CalendarNoticeForm(forms.Form):
    """A year's arrangement from the State Council notice: a file, or the same lines pasted."""

    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    file = forms.FileField(label=_("通知文件"), required=False)
    text = forms.CharField(
        label=_("或粘贴内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 70}),
        help_text=_(
            "每行：日期或“起..止”、holiday（休）或 workday（班）、节日名称，如“2027-01-01 holiday 元旦”。"
        ),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("文件须为 UTF-8 编码的文本。")) from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("请上传通知文件或粘贴内容。"))
        if data.get("year") is not None:
            data["days"] = parse_notice(data["text"], year=data["year"])
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"
    change_list_template = "admin/departments/calendarday/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.load_notice_view)
        return [path("load/", view, name="departments_calendarday_load"), *super().get_urls()]

    def load_notice_view(self, request):
        """Upload or paste → preview the year's holidays and make-up days → confirm to load."""
        if not self.has_add_permission(request) or not self.has_delete_permission(request):
            raise PermissionDenied
        form = CalendarNoticeForm(request.POST or None, request.FILES or None)
        days = None
        if request.method == "POST" and form.is_valid():
            days = form.cleaned_data["days"]
            if "confirm" in request.POST:
                year = form.cleaned_data["year"]
                count, changed = calendar_notice_load(year=year, days=days, actor=request.user)
                self.message_user(
                    request,
                    _("已载入 %(year)s 年的 %(count)s 个日期，重新计算了 %(cases)s 件案件的期限。")
                    % {"year": year, "count": count, "cases": len(changed)},
                    messages.SUCCESS,
                )
                return redirect("admin:departments_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("按国务院办公厅通知录入节假日安排"),
            "form": form,
            "days": days,
            "holidays": sum(1 for d in days if not d.is_workday) if days else 0,
            "workdays": sum(1 for d in days if d.is_workday) if days else 0,
            "replaced": CalendarDay.objects.filter(date__year=form.cleaned_data["year"]).count()
            if days
            else 0,
        }
        return TemplateResponse(request, "admin/departments/calendarday/load.html", context)
