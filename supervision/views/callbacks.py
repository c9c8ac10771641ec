"""Callback pages for coordinators: the month's sample, drawing it, recording each call."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.exceptions import DomainError
from departments.permissions import role_required

from .. import selectors
from ..forms import (
    CallbackForm,
)
from ..models import Callback
from ..permissions import CALLBACK_CALLER_ROLES, CALLBACK_ROLES, may_make_callbacks, sees_callback_phone
from ..services import (
    callback_record,
    callback_round_sample,
    parse_month,
    previous_month,
)
from .staff import _add_errors

# --- Callbacks --------------------------------------------------------------------------------


@role_required(*CALLBACK_ROLES)
@require_GET
def callbacks(request):
    """This month's callback round: the callbacks to make, mine first, and the round's figures."""
    month = None
    if request.GET.get("month"):
        try:
            month = parse_month(request.GET["month"])
        except ValidationError:
            month = None
    round = selectors.latest_round(month, user=request.user)
    mine = request.GET.get("who") != "all" and may_make_callbacks(request.user)
    status = request.GET.get("status", "")
    if status not in Callback.Status.values:
        status = ""
    rows = (
        selectors.round_callbacks(round, status=status, assigned_to=request.user if mine else None)
        if round
        else []
    )
    default_month = previous_month(timezone.localdate())
    return render(
        request,
        "supervision/callbacks.html",
        {
            "round": round,
            "callbacks": rows,
            "summary": selectors.round_summary(round) if round else None,
            "mine": mine,
            "status": status,
            "statuses": Callback.Status.choices,
            "can_sample": may_make_callbacks(request.user)
            and not selectors.latest_round(default_month, user=request.user),
            "default_month": default_month,
        },
    )


@role_required(*CALLBACK_CALLER_ROLES)
@require_POST
def callbacks_sample(request):
    """Draw last month's sample now, if the scheduled job has not done it yet."""
    month = previous_month(timezone.localdate())
    try:
        round, created = callback_round_sample(month=month, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("supervision:callbacks")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("supervision:callbacks")
    if created:
        messages.success(
            request,
            _("已抽取 %(month)s 回访对象 %(n)s 人（可抽样 %(population)s 人）。")
            % {"month": f"{month:%Y-%m}", "n": round.sample_size_taken, "population": round.population_size},
        )
    else:
        messages.info(request, _("%(month)s 已经抽样，未作改动。") % {"month": f"{month:%Y-%m}"})
    return redirect(f"{reverse('supervision:callbacks')}?month={month:%Y-%m}")


@role_required(*CALLBACK_ROLES)
@require_http_methods(["GET", "POST"])
def callback_detail(request, pk: int):
    """One callback: the case, the party's phone, the attempts so far and the callback form."""
    try:
        callback = selectors.callback_detail(pk, user=request.user)
    except Callback.DoesNotExist as exc:
        raise Http404 from exc
    form = CallbackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_make_callbacks(request.user):
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                callback = callback_record(
                    callback=callback,
                    actor=request.user,
                    reached=data["reached"],
                    rating=data["rating"],
                    comment=data["comment"],
                    note=data["note"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _callback_message(callback))
                return redirect(f"{reverse('supervision:callbacks')}?month={callback.round.month:%Y-%m}")
        status = 400
    return render(
        request,
        "supervision/callback_detail.html",
        {
            "callback": callback,
            "form": form,
            "can_record": may_make_callbacks(request.user),
            "show_phone": sees_callback_phone(request.user, callback),
        },
        status=status,
    )


def _callback_message(callback: Callback) -> str:
    if callback.status == Callback.Status.PENDING:
        return _("已记录第 %(n)s 次未接通，稍后再拨。") % {"n": callback.attempts}
    if callback.status == Callback.Status.UNREACHABLE:
        return _("已拨打 %(n)s 次均未接通，本回访结束（无法联系）。") % {"n": callback.attempts}
    message = _("已记录回访结果：%(rating)s。") % {"rating": callback.get_rating_display()}
    if callback.order_id:
        message += _("已向牵头单位下发督办单 %(number)s。") % {"number": callback.order.number}
    return message
