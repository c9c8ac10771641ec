"""Demo cases that travelled between centers (上报、下派、移交) and whistles answered on time and late.

Each scenario plays a case through the real services of the network of centers, acting as the
staff of each center in turn, then dates everything back to the scenario's timeline, as
:mod:`demo.driving` does for the ordinary cases: every service stamps "now"; a moment written
during a step becomes that step's planned time, and a deadline computed from "now" (a referral's
办结期限, a summons' 报到期限) moves with the row it belongs to.

- 上报: township cases reported up and taken on by the county (one closed there, one in hand),
  one sent back down with instructions, one waiting in the county's "下级上报" queue.
- 下派: county cases assigned down to a township: one closed there and approved by the county,
  one past the county's deadline.
- 移交: a case taken in at the wrong county, moved to the other through the city; one waiting
  at the city.
- 吹哨报到: townships summon county departments, answered on time, late, and not at all.

Safe to run again: each scenario is keyed by its intake key and played once.
"""

import bisect
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from cases import services as s
from cases.models import Case, CaseEvent, Evaluation, HandlingRecord, Party
from departments.deadlines import deadline_for
from departments.models import Role, Stage

from .content import INSTRUCTIONS
from .network import Network
from .people import id_number, mobile, person_name
from .planning import _office_hours

KEY = "demo-travel"
SEED = 20261207


@dataclass
class _Step:
    real: dt.datetime
    planned: dt.datetime


@dataclass
class _Timeline:
    """When each service call really ran and when the demo says it happened."""

    steps: list[_Step] = field(default_factory=list)
    cases: set[int] = field(default_factory=set)

    def mark(self, planned: dt.datetime) -> None:
        self.steps.append(_Step(real=timezone.now(), planned=planned))

    def planned(self, real: dt.datetime) -> dt.datetime:
        """Return the planned time of the step during which ``real`` was written."""
        index = bisect.bisect_right([st.real for st in self.steps], real) - 1
        return self.steps[max(index, 0)].planned


class _Scenario:
    """One travelling case: who acts where, and a clock that moves through office hours."""

    def __init__(self, travel: "_Travel", name: str, *, days_ago: float):
        self.travel, self.name = travel, name
        self.moment = _office_hours(travel.now - dt.timedelta(days=days_ago), travel.tz)
        self.case: Case | None = None

    def at(self, hours: float = 0) -> dt.datetime:
        """Move the scenario's clock ``hours`` on (into office hours) and mark the next call with it."""
        self.moment = _office_hours(self.moment + dt.timedelta(hours=hours), self.travel.tz)
        if self.moment > self.travel.latest:
            raise ValueError(f"{self.name}: planned after now")
        self.travel.timeline.mark(self.moment)
        return self.moment

    def due(self, days: float) -> dt.datetime:
        """Return a deadline ``days`` after the scenario's clock, as the service must be told it now.

        Counted from when the current step really ran; dating back moves it with its row.
        """
        return self.travel.timeline.steps[-1].real + dt.timedelta(days=days)


class _Travel:
    def __init__(self, *, network: Network, county_staff, now: dt.datetime, stdout=None):
        self.network, self.county_staff, self.now = network, county_staff, now
        self.tz = timezone.get_current_timezone()
        self.latest = now - dt.timedelta(minutes=10)
        self.timeline = _Timeline()
        self.rng = random.Random(SEED)
        self.write = stdout.write if stdout is not None else (lambda _text: None)
        sites = network.sites
        self.city, self.nanhu = sites["city"], sites["nanhu"]
        self.baihe, self.qingshi, self.liuhe = sites["baihe"], sites["qingshi"], sites["liuhe"]
        self.county = network.county
        self.county_departments = {d.slug: d for d in network.county.departments.all()}

    # --- People and places --------------------------------------------------------------------

    def staff(self, where, role: str):
        """Return the user of ``role`` at a site, or at the main county (``where`` = None)."""
        if where is None:
            return {
                Role.RECEPTION: self.county_staff.reception,
                Role.COORDINATOR: self.county_staff.coordinator,
                Role.LEADER: self.county_staff.leader,
            }[role]
        return where.staff[role]

    def parties(self, respondent: str = "") -> list[s.PartyData]:
        rng, gender = self.rng, self.rng.choice("mf")
        parties = [
            s.PartyData(
                name=person_name(rng, gender),
                phone=mobile(rng),
                id_number=id_number(rng, gender),
                role=Party.Role.APPLICANT,
            )
        ]
        other = rng.choice("mf")
        parties.append(
            s.PartyData(
                name=respondent or person_name(rng, other), phone=mobile(rng), role=Party.Role.RESPONDENT
            )
        )
        return parties

    # --- Playing ------------------------------------------------------------------------------

    def create(self, sc: _Scenario, where, *, title, description, category, place=None, center=None) -> Case:
        sc.at()
        actor = self.staff(where, Role.RECEPTION)
        case = s.case_create(
            actor=actor,
            title=title,
            description=description,
            category=category,
            source="walk_in",
            parties=self.parties(),
            location=str(place) if place is not None else "",
            place=place,
            center=center,
            intake_key=f"{KEY}-{sc.name}",
        )
        self.timeline.cases.add(case.pk)
        sc.case = case
        return case

    def assign_and_work(self, sc: _Scenario, coordinator, department, liaison, *, colour="yellow", hours=4):
        """Assign to a department of the holding center, which signs and records its first contact."""
        sc.at(hours)
        sc.case = s.case_assign(
            case=sc.case,
            actor=coordinator,
            risk_colour=colour,
            lead_department=department,
            instructions=INSTRUCTIONS[colour],
        )
        sc.at(3)
        sc.case = s.case_accept(case=sc.case, actor=liaison)
        sc.at(20)
        s.handling_record_add(
            case=sc.case,
            actor=liaison,
            kind="contact",
            text="已电话联系双方当事人，约定时间到现场查看。",
            is_public=True,
        )

    def finish(self, sc: _Scenario, coordinator, liaison, *, result: str, hours: float = 60):
        sc.at(hours)
        sc.case = s.case_submit_result(case=sc.case, actor=liaison, result=result)
        sc.at(6)
        sc.case = s.case_close(case=sc.case, actor=coordinator)

    def play(
        self, name: str, scenario: Callable[[_Scenario], None], *, days_ago: float, strict: bool
    ) -> bool:
        """Play one scenario unless it was played before; return whether it was.

        Not ``strict`` (``seed_demo``): a scenario the services refuse is left out, and said so.
        """
        if Case.objects.filter(intake_key=f"{KEY}-{name}").exists():
            return False
        sc = _Scenario(self, name, days_ago=days_ago)
        steps, cases = len(self.timeline.steps), set(self.timeline.cases)
        try:
            with transaction.atomic():
                scenario(sc)
        except Exception as exc:
            if strict:
                raise
            del self.timeline.steps[steps:]
            self.timeline.cases = cases
            self.write(f"上下级流转演示：跳过“{name}”（{type(exc).__name__}: {exc}）。\n")
            return False
        return True

    # --- The scenarios ------------------------------------------------------------------------

    def reported_up_and_closed(self, sc: _Scenario) -> None:
        """白鹤镇 reports a land dispute beyond its powers; the county takes it on and closes it."""
        baihe, county_coordinator = self.baihe, self.county_staff.coordinator
        village = baihe.places[1]
        self.create(
            sc,
            baihe,
            title=f"{village.name}与邻村山林权属争议",
            description=f"{village.name}村民反映，与邻村交界处约 40 亩山林权属不清，双方多次发生口角，"
            "镇司法所调解未果，需县自然资源部门确权。",
            category="land",
            place=village,
        )
        coordinator = baihe.staff[Role.COORDINATOR]
        sc.at(2)
        sc.case = s.case_start_assessment(case=sc.case, actor=coordinator)
        sc.at(5)
        sc.case = s.case_escalate(
            case=sc.case,
            actor=coordinator,
            reason="山林确权属县自然资源和规划局职权，超出乡镇调处权限，提请县综治中心牵头。",
            reason_kind="beyond_powers",
        )
        sc.at(20)
        sc.case = s.case_take_over(
            case=sc.case, actor=county_coordinator, note="县中心接办，交县自然资源和规划局牵头确权。"
        )
        natres = self.county_departments["natres"]
        liaison = self.county_staff.liaisons["natres"]
        self.assign_and_work(sc, county_coordinator, natres, liaison, colour="yellow")
        self.finish(
            sc,
            county_coordinator,
            liaison,
            result="经县自然资源和规划局现场勘界并调取林权档案，确定争议山林权属，双方签字认可勘界结果。",
        )

    def reported_up_in_hand(self, sc: _Scenario) -> None:
        """柳河乡 reports a dispute across two townships; the county took it on and works it."""
        liuhe, county_coordinator = self.liuhe, self.county_staff.coordinator
        place = liuhe.places[0]
        self.create(
            sc,
            liuhe,
            title="柳河乡与白鹤镇交界处灌溉水渠纠纷",
            description="两镇交界处村民因灌溉水渠放水先后发生争执，涉及两个乡镇，需县级统筹。",
            category="land",
            place=place,
        )
        coordinator = liuhe.staff[Role.COORDINATOR]
        sc.at(1)
        sc.case = s.case_start_assessment(case=sc.case, actor=coordinator)
        sc.at(3)
        sc.case = s.case_escalate(
            case=sc.case,
            actor=coordinator,
            reason="涉及柳河乡、白鹤镇两个乡镇，需县级协调水利和自然资源部门。",
            reason_kind="several_places",
        )
        sc.at(6)
        sc.case = s.case_take_over(case=sc.case, actor=county_coordinator)
        justice = self.county_departments["justice"]
        self.assign_and_work(
            sc, county_coordinator, justice, self.county_staff.liaisons["justice"], colour="blue"
        )

    def reported_up_and_sent_back(self, sc: _Scenario) -> None:
        """青石镇 reports a neighbours' quarrel; the county sends it back down with instructions."""
        qingshi, county_coordinator = self.qingshi, self.county_staff.coordinator
        place = qingshi.places[0]
        self.create(
            sc,
            qingshi,
            title=f"{place.name}两户因排水沟堵塞发生纠纷",
            description="两户邻居因屋后排水沟堵塞、雨水倒灌发生争吵，申请人要求对方清理排水沟并赔偿损失。",
            category="neighbour",
            place=place,
        )
        coordinator = qingshi.staff[Role.COORDINATOR]
        sc.at(2)
        sc.case = s.case_start_assessment(case=sc.case, actor=coordinator)
        sc.at(4)
        sc.case = s.case_escalate(case=sc.case, actor=coordinator, reason="当事人情绪激烈，镇里协调困难。")
        sc.at(8)
        sc.case = s.case_return_down(
            case=sc.case,
            actor=county_coordinator,
            instructions="属邻里纠纷，由镇司法所牵头、村调委会参与就地调处，7 日内反馈结果。",
        )
        sifasuo = qingshi.departments["justice"]
        self.assign_and_work(sc, coordinator, sifasuo, qingshi.liaisons["justice"], colour="blue", hours=2)

    def reported_up_waiting(self, sc: _Scenario) -> None:
        """柳河乡 reports a red-risk collective matter; it waits in the county's "下级上报" queue."""
        liuhe = self.liuhe
        place = liuhe.places[1]
        self.create(
            sc,
            liuhe,
            title="柳河乡砂石厂扬尘噪声引发群体不满",
            description="附近 30 余户村民反映砂石厂昼夜生产，扬尘噪声严重，部分村民聚集到厂门口要求停产。",
            category="other",
            place=place,
        )
        coordinator = liuhe.staff[Role.COORDINATOR]
        sc.at(1)
        sc.case = s.case_start_assessment(case=sc.case, actor=coordinator)
        sc.at(2)
        sc.case = s.case_escalate(
            case=sc.case,
            actor=coordinator,
            reason="群体性风险，已有聚集苗头，需县级多部门联合处置。",
            reason_kind="red_risk",
        )

    def assigned_down_and_approved(self, sc: _Scenario) -> None:
        """The county assigns a wage arrears matter down to 白鹤镇, which closes it; the county approves."""
        baihe, county = self.baihe, self.county_staff
        place = baihe.places[0]
        self.create(
            sc,
            None,
            title=f"{place.name}村民反映包工头拖欠务工工资",
            description="申请人等 4 人在本村农房建设中务工，包工头拖欠工资 2.6 万元，现已回到本村。",
            category="labour",
            place=place,
        )
        sc.at(2)
        sc.case = s.case_start_assessment(case=sc.case, actor=county.coordinator)
        sc.at(4)
        sc.case = s.case_assign_down(
            case=sc.case,
            actor=county.coordinator,
            center=baihe.center,
            instructions="当事人均在白鹤镇，请镇综治中心牵头就地调处，结果报县中心审核。",
            due_by=sc.due(15),
        )
        coordinator = baihe.staff[Role.COORDINATOR]
        sifasuo, liaison = baihe.departments["justice"], baihe.liaisons["justice"]
        self.assign_and_work(sc, coordinator, sifasuo, liaison, colour="blue", hours=5)
        self.finish(
            sc,
            coordinator,
            liaison,
            result="经镇司法所组织调解，包工头当场支付 1.6 万元，余款 1 万元约定一个月内付清，双方签订调解协议。",
        )
        sc.at(20)
        sc.case = s.referral_approve(
            case=sc.case, actor=county.coordinator, note="调处结果符合要求，同意办结。"
        )

    def assigned_down_overdue(self, sc: _Scenario) -> None:
        """The county assigns a matter down to 青石镇 with a deadline now past; it is still in hand."""
        qingshi, county = self.qingshi, self.county_staff
        place = qingshi.places[1]
        self.create(
            sc,
            None,
            title=f"{place.name}村道硬化占地补偿纠纷",
            description="村道硬化工程占用申请人承包地约 0.3 亩，补偿款至今未落实，申请人阻止施工。",
            category="land",
            place=place,
        )
        sc.at(1)
        sc.case = s.case_start_assessment(case=sc.case, actor=county.coordinator)
        sc.at(3)
        sc.case = s.case_assign_down(
            case=sc.case,
            actor=county.coordinator,
            center=qingshi.center,
            instructions="请青石镇会同村委会核实占地面积，10 日内落实补偿方案并反馈。",
            due_by=sc.due(10),
        )
        coordinator = qingshi.staff[Role.COORDINATOR]
        paichusuo = qingshi.departments["police"]
        self.assign_and_work(sc, coordinator, paichusuo, qingshi.liaisons["police"], colour="yellow", hours=6)

    def transferred_through_the_city(self, sc: _Scenario) -> None:
        """A 南湖区 matter taken in at 江北县: moved to 南湖区 through the city, which works it."""
        county, city, nanhu = self.county_staff, self.city, self.nanhu
        place = self.network.sites["hubin"].places[0]
        self.create(
            sc,
            None,
            title=f"南湖区{place.name}商铺租赁押金纠纷",
            description=f"申请人在南湖区{place.name}租赁商铺，租期届满后房东拒不退还押金 8000 元。"
            "申请人现居江北县，到县中心求助。",
            category="contract",
        )
        sc.at(2)
        sc.case = s.case_start_assessment(case=sc.case, actor=county.coordinator)
        sc.at(3)
        sc.case = s.case_transfer(
            case=sc.case,
            actor=county.coordinator,
            to_center=nanhu.center,
            reason="纠纷发生地和被申请人均在南湖区，应由南湖区综治中心办理。",
        )
        sc.at(5)
        sc.case = s.case_transfer_accept(
            case=sc.case, actor=city.staff[Role.COORDINATOR], note="同意移交南湖区综治中心办理。"
        )
        court = nanhu.departments["court"]
        self.assign_and_work(sc, nanhu.staff[Role.COORDINATOR], court, nanhu.liaisons["court"], colour="blue")

    def transfer_waiting(self, sc: _Scenario) -> None:
        """A 江北县 matter taken in at 南湖区: the transfer waits at the city."""
        nanhu = self.nanhu
        place = self.baihe.places[2]
        self.create(
            sc,
            nanhu,
            title=f"江北县{place.name}宅基地相邻通行纠纷",
            description=f"申请人户籍在江北县白鹤镇{place.name}，邻居建房堵塞其通行道路，申请人在南湖区务工，就近求助。",
            category="neighbour",
        )
        sc.at(1)
        sc.case = s.case_start_assessment(case=sc.case, actor=nanhu.staff[Role.COORDINATOR])
        sc.at(2)
        sc.case = s.case_transfer(
            case=sc.case,
            actor=nanhu.staff[Role.COORDINATOR],
            to_center=self.county,
            reason="纠纷发生地在江北县白鹤镇，应由江北县办理。",
        )

    def whistles(
        self, sc: _Scenario, *, where, place, title, description, summoned, urgency, answers
    ) -> None:
        """A township blows the whistle on its case: county departments report in (or not)."""
        self.create(sc, where, title=title, description=description, category="land", place=place)
        coordinator = where.staff[Role.COORDINATOR]
        sc.at(1)
        sc.case = s.case_start_assessment(case=sc.case, actor=coordinator)
        sc.at(1)
        whistle = s.whistle_blow(
            case=sc.case,
            actor=coordinator,
            departments=[self.county_departments[slug] for slug in summoned],
            urgency=urgency,
            reason=f"事态紧急，需{'、'.join(self.county_departments[x].name for x in summoned)}到场联合处置。",
        )
        blown = sc.moment
        summonses = {x.department.slug: x for x in whistle.summonses.select_related("department")}
        for slug, hours_after in answers:
            if hours_after is None:
                continue  # never answered
            sc.moment = blown + dt.timedelta(hours=hours_after)
            self.timeline.mark(sc.moment)
            liaison = self.county_staff.liaisons[slug]
            s.summons_report(
                summons=summonses[slug],
                actor=liaison,
                attendee=f"{liaison.staff_profile.display_name}（{self.county_departments[slug].short_name}联络员）",
                note="已到现场了解情况，参与联合处置。",
            )

    def whistle_on_time_and_late(self, sc: _Scenario) -> None:
        baihe = self.baihe
        self.whistles(
            sc,
            where=baihe,
            place=baihe.places[3],  # a grid
            title="白鹤镇网格员发现村民违规占地建房引发冲突",
            description="网格员巡查发现一户村民在承包地上违规建房，与邻户发生推搡，需住建、自然资源部门到场。",
            summoned=("housing", "natres"),
            urgency="urgent",
            answers=(("housing", 1), ("natres", 5)),  # 2 hours: on time, then late
        )

    def whistle_unanswered(self, sc: _Scenario) -> None:
        qingshi = self.qingshi
        self.whistles(
            sc,
            where=qingshi,
            place=qingshi.places[2],
            title="青石镇采石场爆破震裂民房纠纷",
            description="采石场爆破作业致附近多户民房墙体开裂，村民要求停工赔偿，需公安、信访部门到场。",
            summoned=("police", "petition"),
            urgency="normal",
            answers=(("police", 3), ("petition", None)),  # 24 hours: on time, and no answer
        )

    # --- Dating back --------------------------------------------------------------------------

    def date_back(self) -> None:
        """Rewrite every moment the services wrote to its planned time; deadlines move with their row."""
        from cases.models.network import Referral, Whistle, WhistleSummons

        ids = self.timeline.cases
        run_end = timezone.now()
        querysets = {
            CaseEvent: CaseEvent.objects.filter(case_id__in=ids),
            Referral: Referral.objects.filter(case_id__in=ids),
            Whistle: Whistle.objects.filter(case_id__in=ids),
            WhistleSummons: WhistleSummons.objects.filter(whistle__case_id__in=ids),
            HandlingRecord: HandlingRecord.objects.filter(case_id__in=ids),
            Evaluation: Evaluation.objects.filter(case_id__in=ids),
            Case: Case.objects.filter(pk__in=ids),
        }
        for model, queryset in querysets.items():
            names = [f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
            rows = list(queryset)
            for row in rows:
                written = getattr(row, "created_at", None) or run_end
                for name in names:
                    value = getattr(row, name)
                    if value is None:
                        continue
                    if value <= run_end:
                        setattr(row, name, self.timeline.planned(value))
                    else:  # a deadline counted from "now" when the row was written: as far from its time
                        ahead = dt.timedelta(seconds=round((value - written).total_seconds()))
                        setattr(row, name, self.timeline.planned(written) + ahead)
            if model is Case:
                for case in rows:
                    self._case_deadlines(case)
            if rows and names:
                model.objects.bulk_update(rows, names, batch_size=200)

    @staticmethod
    def _case_deadlines(case: Case) -> None:
        """Count the case's running deadlines from its dated intake and assignment, as the services would."""
        case.assess_by = deadline_for(
            stage=Stage.ASSESS, colour=case.proposed_colour, start=case.created_at, category=case.category
        )
        if case.assigned_at is not None and case.risk_colour:
            case.accept_by, case.due_by = s.assignment_deadlines(
                case=case, risk_colour=case.risk_colour, package=case.package, start=case.assigned_at
            )


SCENARIOS = (
    # name, method, days ago the case came in
    ("up-closed", "reported_up_and_closed", 40),
    ("up-in-hand", "reported_up_in_hand", 12),
    ("up-sent-back", "reported_up_and_sent_back", 9),
    ("up-waiting", "reported_up_waiting", 3),
    ("down-approved", "assigned_down_and_approved", 35),
    ("down-overdue", "assigned_down_overdue", 28),
    ("transfer-accepted", "transferred_through_the_city", 14),
    ("transfer-waiting", "transfer_waiting", 3.5),
    ("whistle-late", "whistle_on_time_and_late", 6),
    ("whistle-unanswered", "whistle_unanswered", 4),
)


@transaction.atomic
def seed_travel(
    *, network: Network, county_staff, stdout=None, now: dt.datetime | None = None, strict: bool = False
) -> int:
    """Play the travelling cases not played yet; return how many were added.

    ``county_staff`` is the main county's :class:`demo.driving.DemoStaff`.
    """
    travel = _Travel(network=network, county_staff=county_staff, now=now or timezone.now(), stdout=stdout)
    played = 0
    for name, method, days_ago in SCENARIOS:
        played += travel.play(name, getattr(travel, method), days_ago=days_ago, strict=strict)
    if played:
        travel.date_back()
        travel.write(f"上下级流转演示：新增上报、下派、移交和吹哨报到案件 {played} 件。\n")
    return played
