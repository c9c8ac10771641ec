"""Who may see and act on leads, the ledgers and the risk map: the one home of these rules.

Coordinators and leaders of a center see its leads; leaders (and coordinators) of a center above
also see the leads of the centers below, read-only — the same tree rule as cases
(:mod:`departments.scope`). Only a coordinator of the center that holds a lead acts on it
(open a case, attach, hand to a township, watch, dismiss). A feed client posts its own feed's
items to its own center and nothing else.
"""

from django.db.models import Q

from departments.models import Role
from departments.permissions import role_of
from departments.scope import oversees, sees_whole_tree, visible_centers_q, works_at

SCREENING_ROLES = (Role.COORDINATOR, Role.LEADER)


def feed_client_of(user):
    """Return the user's active FeedClient, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        client = user.feed_client
    except Exception:  # RelatedObjectDoesNotExist
        return None
    return client if client.is_active else None


def may_post_feed(user, feed: str) -> bool:
    """Return whether the user may send items of ``feed`` (a feed client of exactly that feed)."""
    client = feed_client_of(user)
    return client is not None and client.feed == feed


def sees_leads(user) -> bool:
    """Return whether the user sees a screening queue at all (coordinators, leaders, the operator)."""
    return sees_whole_tree(user) or role_of(user) in SCREENING_ROLES


def leads_q(user, field: str = "center") -> Q:
    """Return the condition on leads (``field``: their center key) the user sees."""
    if not sees_leads(user):
        return Q(pk__in=[])
    return visible_centers_q(user, field)


def sees_lead(user, lead) -> bool:
    """Return whether the user sees this lead (the one-lead form of :func:`leads_q`)."""
    if not sees_leads(user):
        return False
    return works_at(user, lead.center_id) or oversees(user, lead.center)


def may_act_on_lead(user, lead) -> bool:
    """Return whether the user may decide on this lead: a coordinator of the center that holds it."""
    return role_of(user) == Role.COORDINATOR and works_at(user, lead.center_id)


def may_import_leads(user) -> bool:
    """Return whether the user may import a CSV/xlsx of feed items in the browser (coordinators)."""
    return role_of(user) == Role.COORDINATOR


def may_report_grid_item(user) -> bool:
    """Return whether the user may enter a grid member's report on the phone-sized form.

    A 民情 feed client's account (a grid member), the center's reception and coordinators.
    """
    return may_post_feed(user, "public") or role_of(user) in (Role.RECEPTION, Role.COORDINATOR)


def sees_ledgers(user) -> bool:
    """Return whether the user sees the two ledgers and the risk map (coordinators, leaders)."""
    return sees_leads(user)


def may_edit_risk_entry(user, entry) -> bool:
    """Return whether the user may add to or change the risk ledger line (a coordinator of its center)."""
    return role_of(user) == Role.COORDINATOR and works_at(user, entry.center_id)
