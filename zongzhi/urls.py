from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("cases/", include("cases.urls")),
    path("t/", include("cases.tracking_urls")),
    path("supervision/", include("supervision.urls")),
    path("risk/", include("risk.urls")),
    path("api/", include("zongzhi.api_urls")),
    path("duty-board/", include("departments.urls")),
]

# The 500 page, except while the database is unavailable: then a 503 with Retry-After.
handler500 = "common.views.server_error"
