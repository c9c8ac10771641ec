from django.conf import settings


def site(request):
    """Expose the deployment's public base URL to templates."""
    return {"PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL}
