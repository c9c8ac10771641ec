"""Error handlers for the whole site."""

import sys

from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as default_server_error

from .middleware import database_unavailable_response, is_database_unavailable


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """Answer 503 with Retry-After when the error was the database being unavailable, else the 500 page."""
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        return database_unavailable_response(request)
    return default_server_error(request, template_name)
