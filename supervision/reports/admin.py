"""Admin for the report thresholds: one row, which administrators may change but not delete."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from ..models.reports import ReportThresholds


@admin.register(ReportThresholds)
class ReportThresholdsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "satisfaction_floor", "on_time_floor", "updated_at"]
    fields = ["satisfaction_floor", "on_time_floor"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ReportThresholds.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """Go straight to the one row (or to adding it, the first time)."""
        thresholds = ReportThresholds.objects.first()
        if thresholds is None:
            if not self.has_add_permission(request):
                return super().changelist_view(request, extra_context)
            return redirect(reverse("admin:supervision_reportthresholds_add"))
        return redirect(reverse("admin:supervision_reportthresholds_change", args=[thresholds.pk]))
