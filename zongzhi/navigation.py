"""The navigation of each role, and the workspace each role lands on after logging in."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from departments.models import Role
from departments.permissions import department_of, role_of

# role → [(label, url name)]; the first entry is the role's workspace.
NAVIGATION = {
    Role.RECEPTION: [(_("受理登记"), "cases:intake"), (_("案件查询"), "cases:search")],
    Role.COORDINATOR: [
        (_("研判督办"), "cases:workbench"),
        (_("督办管理"), "supervision:order_list"),
        (_("电话回访"), "supervision:callbacks"),
        (_("统计报表"), "supervision:reports_dashboard"),
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
        (_("领导驾驶舱"), "supervision:reports_dashboard"),
        (_("督办管理"), "supervision:order_list"),
        (_("批示督办"), "supervision:order_issue"),
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


def navigation(request):
    """Template context: the signed-in user's role, department and menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    path = request.path
    menu = []
    for label, name in NAVIGATION.get(role, []):
        url = reverse(name)
        menu.append({"label": label, "url": url, "active": path.startswith(url)})
    from cases.models import Notification

    return {
        "nav_center_name": center_name(user),
        "nav_unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "nav_menu": menu,
        "nav_role": Role(role).label if role else "",
        "nav_department": department_of(user),
    }
