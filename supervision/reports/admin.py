"""Admin for the report thresholds: one row, which administrators may add once and change, never delete."""

from django.contrib import admin

from ..models.reports import ReportThresholds


@admin.register(ReportThresholds)
class ReportThresholdsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "satisfaction_floor", "on_time_floor", "updated_at"]
    fields = ["satisfaction_floor", "on_time_floor"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ReportThresholds.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
