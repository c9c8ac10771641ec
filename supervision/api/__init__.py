"""The supervision REST API (``/api/v1/``): supervision orders, callbacks and the report figures.

Thin, as the cases API: each view checks the caller's role (403) and finds the object among
those the caller may see (404) before it reads a body, then calls one service or selector.
``serializers``, ``filters``, ``views`` and ``urls`` are its modules; ``zongzhi/api_urls.py``
mounts :data:`urlpatterns`.
"""

from .serializers import COUNT_KEYS, RATE_KEYS, figures_json
from .urls import urlpatterns

__all__ = ["COUNT_KEYS", "RATE_KEYS", "figures_json", "urlpatterns"]
