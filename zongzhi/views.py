"""Site-wide pages: the home page that sends each role to its workspace."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from departments.permissions import department_of, role_of


@login_required
def home(request):
    """Show the signed-in user's workspace entry points."""
    return render(
        request, "home.html", {"role": role_of(request.user), "department": department_of(request.user)}
    )
