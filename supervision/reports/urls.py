"""The report pages, included by ``supervision/urls.py`` under ``reports/`` (namespace "supervision")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="reports_dashboard"),
    path("mine/", views.my_report, name="reports_mine"),
    path("monthly/", views.monthly, name="reports_monthly"),
    path("export.xlsx", views.report_xlsx, name="reports_xlsx"),
    path("ledger.csv", views.ledger_csv, name="reports_ledger_csv"),
    path("lists/<slug:kind>/", views.report_list, name="reports_list"),
    path("departments/<slug:slug>/", views.department_report, name="reports_department"),
    path("departments/<slug:slug>/export.xlsx", views.department_xlsx, name="reports_department_xlsx"),
    path("departments/<slug:slug>/ledger.csv", views.department_csv, name="reports_department_csv"),
]
