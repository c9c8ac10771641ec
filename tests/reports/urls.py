"""The project's URLs plus the public duty board, until zongzhi/urls.py includes it."""

from django.urls import include, path

from zongzhi.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if not any(str(getattr(p, "pattern", "")) == "duty-board/" for p in urlpatterns):
    urlpatterns.append(path("duty-board/", include("departments.urls")))
