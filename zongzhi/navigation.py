"""The navigation of each role, and the workspace each role lands on after logging in."""

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from departments.models import Role
from departments.permissions import department_of, role_of

from .today import Today

# role → [(label, url name)]; the first entry is the role's workspace.
NAVIGATION = {
    Role.RECEPTION: [(_("受理登记"), "cases:intake"), (_("案件查询"), "cases:search")],
    Role.COORDINATOR: [
        (_("研判督办"), "cases:workbench"),
        (_("风险研判"), "risk:leads"),
        (_("督办管理"), "supervision:order_list"),
        (_("电话回访"), "supervision:callbacks"),
        (_("统计报表"), "supervision:reports_dashboard"),
        (_("两本台账"), "risk:ledger_disputes"),
        (_("案件查询"), "cases:search"),
        (_("受理登记"), "cases:intake"),
    ],
    Role.LIAISON: [
        (_("部门工作台"), "cases:department_desk"),
        (_("待答复督办"), "supervision:orders_to_answer"),
        (_("本单位报表"), "supervision:reports_mine"),
        (_("案件查询"), "cases:search"),
    ],
    Role.LEADER: [
        (_("督办报表"), "supervision:reports_dashboard"),
        (_("两本台账"), "risk:ledger_disputes"),
        (_("督办管理"), "supervision:order_list"),
        (_("批示督办"), "supervision:order_issue"),
        (_("风险研判"), "risk:leads"),
        (_("电话回访"), "supervision:callbacks"),
        (_("案件查询"), "cases:search"),
    ],
    Role.ADMIN: [
        (_("系统管理"), "admin:index"),
        (_("研判督办"), "cases:workbench"),
        (_("受理登记"), "cases:intake"),
        (_("案件查询"), "cases:search"),
    ],
}


# (role, url name) → the queue a menu item lists: a Today tally, and the query the link carries
# so that the list it opens holds exactly the rows counted.
MENU_QUEUES = {
    (Role.COORDINATOR, "cases:workbench"): ("workbench_new", ""),
    (Role.COORDINATOR, "supervision:order_list"): ("open_orders", "status=open"),
    (Role.COORDINATOR, "supervision:callbacks"): ("callbacks", "status=pending"),
    (Role.LIAISON, "cases:department_desk"): ("desk_and_summonses", ""),
    (Role.LIAISON, "supervision:orders_to_answer"): ("orders_to_answer", ""),
    (Role.LEADER, "supervision:order_list"): ("open_orders", "status=open"),
    (Role.LEADER, "supervision:callbacks"): ("callbacks", "status=pending"),
    (Role.ADMIN, "cases:workbench"): ("workbench_new", ""),
}


def workspace_url(user) -> str | None:
    """Return the URL of the user's workspace, or None for an account without a role."""
    items = NAVIGATION.get(role_of(user))
    return reverse(items[0][1]) if items else None


def center_name(user) -> str:
    """The name of the user's center, cached: it is on every page and rarely changes."""
    from django.core.cache import cache

    from departments.models import Center

    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return ""
    key = f"zongzhi:center-name:{profile.center_id}"
    name = cache.get(key)
    if name is None:
        name = Center.objects.filter(pk=profile.center_id).values_list("name", flat=True).first() or ""
        cache.set(key, name, 300)
    return name


def menu(role, path: str, today: Today) -> list[dict]:
    """The role's menu items; a queue's item carries its count and whether any of it is overdue."""
    items = []
    for label, name in NAVIGATION.get(role, []):
        url = reverse(name)
        item = {"label": label, "url": url, "active": path.startswith(url), "count": 0, "overdue": 0}
        if (queue := MENU_QUEUES.get((role, name))) is not None:
            tally_name, query = queue
            tally = today.tally(tally_name)
            item.update(count=tally["count"], overdue=tally["overdue"])
            if query:
                item["url"] = f"{url}?{query}"
        items.append(item)
    return items


def is_workspace(request, role) -> bool:
    """Return whether the request is for the role's start page (the first entry of its menu)."""
    match = getattr(request, "resolver_match", None)
    items = NAVIGATION.get(role)
    return bool(items and match is not None and match.view_name == items[0][1])


def navigation(request):
    """Template context: the signed-in user's role, department and menu (with its queues' counts).

    The menu and the start page's "today" panel are lazy: a page that does not show them (a
    printout, an error page) does not count anything.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    path = request.path
    today = Today(user, now=timezone.now())
    from cases.models import Notification

    return {
        "nav_center_name": center_name(user),
        "nav_unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "nav_menu": SimpleLazyObject(lambda: menu(role, path, today)),
        "nav_today": SimpleLazyObject(lambda: today.panel) if is_workspace(request, role) else None,
        "nav_role": Role(role).label if role else "",
        "nav_department": department_of(user),
    }
