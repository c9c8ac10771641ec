"""Demo data for supervision, added by ``seed_demo`` after the demo cases.

- Cases at every level for the first sweep: one past 80% of its handling time (a reminder), one
  not accepted in time (a supervision order), a red case past its handling deadline and a problem
  case (leader-level supervision), and an order whose answer is overdue (raised to leader level).
- Cases closed in the previous month, so the first callback sampling finds parties.
- Orders behind the demo's history: supervised cases and unhappy evaluations get the order
  that would have been issued, so they can be answered and verified like any other.

Cases are played through the services and then dated back, as the demo cases are. Safe to run
again: each scenario is keyed by its intake key, and the history is backfilled only once.
"""

import contextlib
import datetime as dt
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases import services as s
from cases.models import Case, CaseEvent, Evaluation, Rating, RiskColour, State
from cases.tasks import mail_notifications, notify_case_event
from common.tasks import skipping
from demo.people import id_number, mobile
from departments.deadlines import deadline_for
from departments.models import Center, Department, Stage
from supervision.models import Level, OrderStatus, Reason, SupervisionOrder, SupervisionOrderEvent
from supervision.services.orders import allocate_order_numbers, default_action

KEY = "demo-supervision"
SEED = 20261101
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞波斌宇浩凯健俊帆峰建国志勇海燕雪梅晓东春林文"
CLOSED_LAST_MONTH = 12  # cases, with three parties each: 36 people to sample from


def seed_supervision_demo(stdout=None) -> dict[str, int]:
    """Add the supervision demo data; return what was added. Idempotent."""
    write = stdout.write if stdout is not None else (lambda _text: None)
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["reception", "coordinator", "leader"])}
    county = Center.objects.filter(code=settings.ZONGZHI_COUNTY_CODE).first()
    if county is None or len(users) < 3:
        write("督办演示数据：请先运行 seed_demo 创建演示单位和账号。\n")
        return {}
    departments = {d.slug: d for d in Department.objects.filter(center=county)}
    liaisons = {
        u.username.removeprefix("liaison-"): u for u in User.objects.filter(username__startswith="liaison-")
    }
    demo = _Demo(county=county, users=users, departments=departments, liaisons=liaisons, now=timezone.now())
    with _quiet(), transaction.atomic():
        added = {
            "scenarios": demo.scenarios(),
            "closed_last_month": demo.closed_last_month(),
            "backfilled_orders": backfill_orders(now=demo.now),
        }
    write(
        f"督办演示数据：新增逾期/提醒场景 {added['scenarios']} 件，上月结案 {added['closed_last_month']} 件，"
        f"补录历史督办单 {added['backfilled_orders']} 件。运行 manage.py supervise_deadlines 即可看到各级督办。\n"
    )
    return added


@contextlib.contextmanager
def _quiet():
    """No e-mail for made-up history (the console backend would print every message)."""
    with skipping(notify_case_event, mail_notifications):
        yield


class _Demo:
    def __init__(self, *, county, users, departments, liaisons, now):
        self.county, self.users, self.departments, self.liaisons, self.now = (
            county,
            users,
            departments,
            liaisons,
            now,
        )
        self.rng = random.Random(SEED)

    # --- helpers ------------------------------------------------------------------------------

    def _party(self, n: int) -> s.PartyData:
        gender = "F" if n % 2 else "M"
        name = self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2)))
        )
        return s.PartyData(name=name, phone=mobile(self.rng), id_number=id_number(self.rng, gender))

    def _new(
        self, key: str, *, title: str, description: str, category: str, n: int, people: int = 1
    ) -> Case | None:
        if Case.objects.filter(intake_key=key).exists():
            return None
        return s.case_create(
            actor=self.users["reception"], title=title, description=description, category=category,
            source="walk_in", parties=[self._party(n + i) for i in range(people)], center=self.county, intake_key=key,
        )  # fmt: skip

    def _assign(self, case: Case, *, colour: str, lead: str) -> Case:
        coordinator = self.users["coordinator"]
        case = s.case_start_assessment(case=case, actor=coordinator)
        return s.case_assign(
            case=case, actor=coordinator, risk_colour=colour, lead_department=self.departments[lead]
        )

    def _date(self, case: Case, *, assigned_at: dt.datetime, accepted_at=None, closed_at=None) -> None:
        """Move the case's history back: intake, assignment, acceptance and closing times."""
        events = list(CaseEvent.objects.filter(case=case).order_by("id"))
        marks = {"assign": assigned_at, "accept": accepted_at, "close": closed_at}
        start = assigned_at - dt.timedelta(hours=3)
        moment = start
        for event in events:
            moment = marks.get(event.transition) or (moment + dt.timedelta(minutes=20))
            event.created_at = moment
        CaseEvent.objects.bulk_update(events, ["created_at"])
        accept_by, due_by = s.assignment_deadlines(
            case=case, risk_colour=case.risk_colour, package=case.package, start=assigned_at
        )
        Case.objects.filter(pk=case.pk).update(
            created_at=start, assigned_at=assigned_at, accepted_at=accepted_at, closed_at=closed_at,
            accept_by=accept_by, due_by=due_by, updated_at=moment,
        )  # fmt: skip

    def _days_ago(self, days: float, hour: int = 10) -> dt.datetime:
        local = timezone.localtime(self.now) - dt.timedelta(days=days)
        return local.replace(hour=hour, minute=0, second=0, microsecond=0)

    # --- the first sweep's levels -------------------------------------------------------------

    def scenarios(self) -> int:
        made = 0
        coordinator, leader = self.users["coordinator"], self.users["leader"]

        # A reminder: most of its handling time gone, the deadline still ahead.
        if case := self._new(f"{KEY}-reminder", title="小区电梯停运两月物业不修", category="property", n=1,
                             description="业主反映小区 3 栋电梯停运两个月，物业以维修基金未到位为由拖延。"):  # fmt: skip
            case = self._assign(case, colour=RiskColour.BLUE, lead="housing")
            case = s.case_accept(case=case, actor=self.liaisons["housing"])
            accepted = self._days_ago(40)
            self._date(case, assigned_at=accepted - dt.timedelta(hours=2), accepted_at=accepted)
            # Blue: 30 working days; put the deadline two days ahead, past 80% of the time.
            Case.objects.filter(pk=case.pk).update(due_by=self.now + dt.timedelta(days=2))
            made += 1

        # A supervision order: not accepted within its three working days.
        if case := self._new(f"{KEY}-order", title="装修噪音扰民邻里矛盾", category="neighbour", n=2,
                             description="楼上住户夜间装修，多次协商无果，双方发生口角。"):  # fmt: skip
            case = self._assign(case, colour=RiskColour.BLUE, lead="justice")
            self._date(case, assigned_at=self._days_ago(9))
            made += 1

        # Leader level: a red case past its handling deadline.
        if case := self._new(f"{KEY}-red", title="20 余名工人围堵项目部讨薪", category="labour", n=3,
                             description="某工地 20 余名工人围堵项目部讨要工资，情绪激动，存在冲突风险。"):  # fmt: skip
            case = self._assign(case, colour=RiskColour.RED, lead="hrss")
            case = s.case_accept(case=case, actor=self.liaisons["hrss"])
            self._date(case, assigned_at=self._days_ago(16), accepted_at=self._days_ago(15, hour=15))
            made += 1

        # Leader level: a problem case (returned three times, now with a fourth department).
        if case := self._new(f"{KEY}-problem", title="宅基地边界争议多次推诿", category="land", n=4,
                             description="两户村民因宅基地边界发生争议，相关部门多次以不属职责为由退回。"):  # fmt: skip
            case = s.case_start_assessment(case=case, actor=coordinator)
            for lead in ("natres", "housing", "justice"):
                case = s.case_assign(case=case, actor=coordinator, risk_colour=RiskColour.YELLOW,
                                     lead_department=self.departments[lead])  # fmt: skip
                case = s.case_return_to_center(
                    case=case, actor=self.liaisons[lead], reason="不属于本单位职责范围。"
                )
            case.refresh_from_db()
            s.case_assign(case=case, actor=coordinator, risk_colour=RiskColour.RED,
                          lead_department=self.departments["petition"])  # fmt: skip
            made += 1

        # Leader level: an order whose answer is overdue.
        if case := self._new(f"{KEY}-raise", title="消费预付卡商家跑路", category="consumer", n=5,
                             description="某健身房关门停业，30 余名会员预付卡余额无法退还。"):  # fmt: skip
            case = self._assign(case, colour=RiskColour.YELLOW, lead="market")
            case = s.case_accept(case=case, actor=self.liaisons["market"])
            self._date(case, assigned_at=self._days_ago(12), accepted_at=self._days_ago(11))
            case.refresh_from_db()
            from supervision.services import supervision_order_issue

            order = supervision_order_issue(
                case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, level=Level.ORDER,
                instruction="群体性消费纠纷，请市场监管局牵头，三日内拿出退费方案。",
            )  # fmt: skip
            issued = self._days_ago(8)
            SupervisionOrder.objects.filter(pk=order.pk).update(
                issued_at=issued, respond_from=issued, respond_by=self._days_ago(3, hour=0)
            )
            SupervisionOrderEvent.objects.filter(order=order).update(created_at=issued)
            CaseEvent.objects.filter(case=case, transition="supervise").update(created_at=issued)
            made += 1
        return made

    # --- the first callback sampling ----------------------------------------------------------

    def closed_last_month(self) -> int:
        """Cases closed in the previous month, with distinct parties to call back."""
        local = timezone.localtime(self.now)
        last_month_end = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        last_month_start = (last_month_end - dt.timedelta(days=1)).replace(day=1)
        span = (last_month_end - last_month_start).total_seconds()
        coordinator = self.users["coordinator"]
        slugs = ["court", "justice", "hrss", "housing", "market", "women", "mediation"]
        made = 0
        for n in range(CLOSED_LAST_MONTH):
            key = f"{KEY}-closed-{last_month_start:%Y%m}-{n:02d}"
            lead = slugs[n % len(slugs)]
            case = self._new(key, title=f"{self.rng.choice(['邻里', '物业', '劳动', '消费'])}纠纷调解", category="other",
                             description="经调解双方达成一致，已履行完毕。", n=100 + 3 * n, people=3)  # fmt: skip
            if case is None:
                continue
            case = self._assign(case, colour=self.rng.choice(["blue", "blue", "yellow"]), lead=lead)
            case = s.case_accept(case=case, actor=self.liaisons[lead])
            case = s.case_submit_result(
                case=case, actor=self.liaisons[lead], result="经调解，双方达成协议并已履行。"
            )
            case = s.case_close(case=case, actor=coordinator)
            closed_at = last_month_start + dt.timedelta(seconds=span * (n + 0.5) / CLOSED_LAST_MONTH)
            self._date(
                case,
                assigned_at=closed_at - dt.timedelta(days=6),
                accepted_at=closed_at - dt.timedelta(days=5, hours=20),
                closed_at=closed_at,
            )
            made += 1
        return made


# --- Orders behind the demo's history -----------------------------------------------------------


def backfill_orders(*, now: dt.datetime) -> int:
    """Give supervised cases and unhappy evaluations the order their history implies (once)."""
    has_order = SupervisionOrder.objects.filter(case=OuterRef("pk"))
    supervised = list(
        Case.objects.filter(state=State.SUPERVISED, lead_department__isnull=False)
        .filter(~Exists(has_order))
        .select_related("package")
        .order_by("pk")
    )
    last_supervise = {
        e.case_id: e
        for e in CaseEvent.objects.filter(case__in=supervised, transition="supervise").order_by(
            "created_at", "id"
        )
    }
    unhappy = list(
        Evaluation.objects.filter(rating__in=[Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED])
        .filter(
            ~Exists(
                SupervisionOrder.objects.filter(
                    case=OuterRef("case_id"), reason__in=[Reason.BAD_EVALUATION, Reason.BAD_CALLBACK]
                )
            )
        )
        .filter(case__lead_department__isnull=False)
        .select_related("case__package")
        .order_by("pk")
    )
    rows = []
    for case in supervised:
        event = last_supervise.get(case.pk)
        issued = event.created_at if event else case.updated_at
        by_leader = (
            event is not None and event.actor_id is not None and event.actor.staff_profile.role == "leader"
        )
        reason = Reason.LEADER_INSTRUCTION if by_leader else Reason.DEADLINE_MISSED
        rows.append(_order(case, reason=reason, issued=issued, issued_by=event.actor if event else None,
                           instruction=event.reason if by_leader and event else ""))  # fmt: skip
    for evaluation in unhappy:
        reason = (
            Reason.BAD_CALLBACK
            if evaluation.channel == Evaluation.Channel.CALLBACK
            else Reason.BAD_EVALUATION
        )
        rows.append(_order(evaluation.case, reason=reason, issued=evaluation.created_at, issued_by=None))
    if not rows:
        return 0
    numbers = allocate_order_numbers(year=timezone.localtime(now).year, count=len(rows))
    for order, number in zip(rows, numbers, strict=True):
        order.number = number
    created = SupervisionOrder.objects.bulk_create(rows)
    SupervisionOrderEvent.objects.bulk_create(
        [
            SupervisionOrderEvent(
                order=o, action=SupervisionOrderEvent.Action.ISSUE, from_status="", to_status=OrderStatus.ISSUED,
                actor=o.issued_by, created_at=o.issued_at, data={"demo": True},
            )
            for o in created
        ]
    )  # fmt: skip
    return len(created)


def _order(
    case: Case, *, reason: str, issued: dt.datetime, issued_by, instruction: str = ""
) -> SupervisionOrder:
    services = list(case.package.services.all()) if case.package_id else []
    respond_by = deadline_for(
        stage=Stage.RESPOND,
        colour=case.risk_colour or "blue",
        start=issued,
        services=services,
        category=case.category,
    )
    return SupervisionOrder(
        case=case, department_id=case.lead_department_id, reason=reason, level=Level.ORDER,
        required_action=default_action(reason), instruction=instruction, issued_by=issued_by, issued_at=issued,
        respond_from=issued, respond_by=respond_by,
    )  # fmt: skip
