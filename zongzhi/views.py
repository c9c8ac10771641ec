"""Site-wide pages: the home page that sends each role to its workspace, and error pages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .navigation import workspace_url


@login_required
def home(request):
    """Send the signed-in user to their role's workspace."""
    url = workspace_url(request.user)
    if url:
        return redirect(url)
    return render(request, "home.html", status=403)
