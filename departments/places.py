"""Which places (村（社区）/网格) a center's matters may name: the one rule the intake page, API and service use."""

from django.db.models import QuerySet

from .models import Center, Place
from .scope import subtree


def places_under(center: Center | None) -> QuerySet[Place]:
    """Return the places of ``center``'s townships: a township its own, a county its townships', and so on up.

    Ordered by township then code, grids after their village, with the township loaded.
    """
    if center is None:
        return Place.objects.none()
    return (
        Place.objects.filter(township__in=subtree(center).values("pk"))
        .select_related("township", "parent")
        .order_by("township__code", "code")
    )


def place_is_under(place: Place, center: Center | None) -> bool:
    """Return whether ``place`` lies in one of ``center``'s townships (see :func:`places_under`)."""
    return center is not None and place.township.is_within(center)
