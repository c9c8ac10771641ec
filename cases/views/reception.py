"""Reception-hall pages: intake (受理登记), the repeat-visit check, the receipt, case search.

The repeat-visit check and the case search take phone and ID numbers: they read them from a
POST body only, never from the query string, which web servers and proxies write to their
access logs.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.exceptions import DomainError
from common.fields import KIND_ID_NUMBER, KIND_PHONE, normalize
from departments.deadlines import deadline_for
from departments.models import Stage
from departments.permissions import role_required
from departments.scope import center_of, own_center_q

from ..codes import InvalidCaseCode
from ..forms import CaseSearchForm, IntakeForm, PartyFormSet
from ..models import Case, Party, Source
from ..permissions import INTAKE_ROLES, RECEIPT_ROLES, STAFF_ROLES, may_open_case_page, may_print_receipt
from ..selectors import (
    case_by_code,
    case_search,
    cases_visible_to,
    intake_desk_for,
    person_open_cases,
    repeat_visit_counts,
)
from ..services import PartyData, attachment_add, case_create, case_record_visit, propose_colour
from ..services.intake import intake_center_for

SEARCH_ROLES = STAFF_ROLES


def _party_data(form) -> PartyData:
    data = form.cleaned_data
    return PartyData(
        name=data["name"],
        phone=data.get("phone", ""),
        id_number=data.get("id_number", ""),
        role=data["role"],
        is_representative=data.get("is_representative", False),
        kind=data.get("kind", ""),
    )


def _apply_service_errors(exc: ValidationError, form, formset) -> None:
    """Put a service's field errors next to the fields they concern."""
    for key, messages_ in exc.message_dict.items():
        match = re.fullmatch(r"parties\[(\d+)\]\.(\w+)", key)
        alive = formset.alive_forms()
        if match and int(match[1]) < len(alive) and match[2] in alive[int(match[1])].fields:
            for message in messages_:
                alive[int(match[1])].add_error(match[2], message)
        elif key in form.fields:
            for message in messages_:
                form.add_error(key, message)
        else:
            for message in messages_:
                form.add_error(None, message)


@role_required(*INTAKE_ROLES)
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()  # error reports never show the numbers typed
def intake(request):
    """Record a matter at the desk, or a return visit on one of the person's open cases."""
    if request.method == "POST":
        form = IntakeForm(
            request.POST, request.FILES, center=intake_center_for(request.user), user=request.user
        )
        formset = PartyFormSet(request.POST, prefix="parties")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            parties = [_party_data(f) for f in formset.alive_forms()]
            try:
                with transaction.atomic():
                    if data["visit_case"]:
                        # A return visit is recorded on a case the desk's own center holds.
                        held_here = cases_visible_to(request.user).filter(own_center_q(request.user))
                        case = case_by_code(data["visit_case"], held_here.open())
                        case_record_visit(
                            case=case,
                            actor=request.user,
                            visitor=parties[0],
                            desk=data["desk"],
                            people_count=data["people_count"] or len(parties),
                            note=data["note"],
                        )
                        for upload in data["attachments"]:
                            attachment_add(case=case, actor=request.user, upload=upload)
                        messages.success(request, _("已登记为该案件的重复来访，未生成新编号。"))
                        return redirect("cases:receipt", code=case.code)
                    case = case_create(
                        actor=request.user,
                        title=data["title"],
                        description=data["description"],
                        category=data["category"],
                        source=data["source"] or Source.WALK_IN,
                        location=data["location"],
                        place=data["place"],
                        parties=parties,
                        desk=data["desk"],
                        requested_services=list(data["requested_services"]),
                        is_collective=data["is_collective"],
                        people_count=data["people_count"],
                        intake_key=data["intake_key"],
                    )
                    if data["attachments"] and not case.attachments.exists():  # a resubmission attaches once
                        for upload in data["attachments"]:
                            attachment_add(case=case, actor=request.user, upload=upload)
            except ValidationError as exc:
                _apply_service_errors(exc, form, formset)
            except (InvalidCaseCode, Case.DoesNotExist):
                form.add_error(None, _("所选的在办案件不存在或已办结，请重新查询。"))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("受理成功，请打印回执交给当事人。"))
                return redirect("cases:receipt", code=case.code)
        status = 400
    else:
        form = IntakeForm(
            desk=intake_desk_for(request.user), center=intake_center_for(request.user), user=request.user
        )
        formset = PartyFormSet(prefix="parties")
        status = 200
    return render(request, "cases/intake.html", {"form": form, "formset": formset}, status=status)


@role_required(*INTAKE_ROLES)
@require_POST
@sensitive_post_parameters()  # error reports never show the numbers typed
def intake_lookup(request):
    """The repeat-visit check (htmx POST): open cases and visits in 90 days of the people typed so far."""
    phones = [v for k, v in request.POST.items() if re.fullmatch(r"parties-\d+-phone", k) and v.strip()]
    id_numbers = [
        v for k, v in request.POST.items() if re.fullmatch(r"parties-\d+-id_number", k) and v.strip()
    ]
    people = []
    now = timezone.now()
    counts = repeat_visit_counts(phones=phones, id_numbers=id_numbers, now=now)
    seen = set()
    # One lookup per person typed (at most 20): the desk is checking the people in front of it.
    for phone, id_number in ([(p, "") for p in phones] + [("", i) for i in id_numbers])[:20]:
        cases = list(
            person_open_cases(phone=phone, id_number=id_number, user=request.user).select_related(
                "lead_department"
            )[:10]
        )
        person_key = (
            f"phone:{normalize(KIND_PHONE, phone)}" if phone else f"id:{normalize(KIND_ID_NUMBER, id_number)}"
        )
        visits = counts.get(person_key, 0)
        key = (phone, id_number)
        if key in seen or (not cases and not visits):
            continue
        seen.add(key)
        colour, reason = propose_colour(visits=visits + 1, people=1)
        people.append(
            {
                "phone": phone,
                "id_number": id_number,
                "cases": cases,
                "visits": visits,
                "proposed": colour,
                "reason": reason,
            }
        )
    own = center_of(request.user)
    context = {"people": people, "own_center_id": own.pk if own else None}
    return render(request, "cases/_intake_history.html", context)


@role_required(*RECEIPT_ROLES)
@require_GET
def receipt(request, code: str):
    """The printable receipt (受理回执) with the code, the QR and how to follow progress."""
    try:
        case = case_by_code(code, cases_visible_to(request.user).select_related("center", "desk__department"))
    except (InvalidCaseCode, Case.DoesNotExist) as exc:
        raise Http404 from exc
    if not may_print_receipt(request.user, case):
        # A center above sees the case, not the party's key: the receipt is the holding center's.
        raise PermissionDenied
    applicants = [p for p in case.parties.all() if p.role == Party.Role.APPLICANT] or list(case.parties.all())
    # The deadline stored at intake (and watched by the sweep); older cases had none stored.
    assess_by = case.assess_by or deadline_for(
        stage=Stage.ASSESS, colour=case.proposed_colour or "blue", start=case.created_at
    )
    paper = "a4" if request.GET.get("paper") == "a4" else "a5"
    return render(
        request,
        "cases/receipt.html",
        {
            "case": case,
            "applicants": applicants,
            "assess_by": assess_by,
            "paper": paper,
            "tracking_url": f"{settings.PUBLIC_BASE_URL}/t/",
        },
    )


@role_required(*SEARCH_ROLES)
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()  # error reports never show the numbers typed
def search(request):
    """Find a case by code, phone, ID number or name; personal data is masked in the results.

    The query comes in a POST body. A query string (an old bookmark's ``?q=``) is not searched:
    it is dropped by a redirect, so the number stays out of the browser's history and the page.
    """
    if request.method == "GET" and request.GET:
        return redirect("cases:search")
    form = CaseSearchForm(request.POST if request.method == "POST" else None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = case_search(user=request.user, query=form.cleaned_data["q"])
    # Each row links to what this user may open: the case page by the one rule, the receipt at the
    # desk of the center holding the case.
    rows = (
        None
        if results is None
        else [
            {
                "case": case,
                "may_open": may_open_case_page(request.user, case),
                "can_print": may_print_receipt(request.user, case),
            }
            for case in results
        ]
    )
    return render(request, "cases/search.html", {"form": form, "rows": rows})
