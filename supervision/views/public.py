"""The party's closing evaluation, posted from the public tracking page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cases.models import Case, Evaluation, State
from cases.services import AlreadyEvaluated, EvaluationForbidden
from cases.views.tracking import (
    EvaluationForm,
    find_case,
    is_verified,
    render_unverified,
    render_verified,
    verified_party,
)
from common.exceptions import DomainError

from ..services import evaluation_record


@never_cache
@require_POST
def public_evaluate(request, code: str):
    """Record a verified applicant's evaluation of a closed case (评价), once; then back to the case.

    The other side may follow the case but not evaluate it: 403 with the reason.
    """
    case = find_case(request, code)
    if isinstance(case, HttpResponse):
        return case
    if not is_verified(request, case.code):
        return render_unverified(request, case, error=_("请先验证手机号码后四位，再进行评价。"), status=403)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        return render_verified(request, case, evaluation_form=form, status=400)
    party_id, applicant = verified_party(request, case.code)
    try:
        evaluation_record(
            case=case,
            actor=None,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            channel=Evaluation.Channel.TRACKING,
            party_id=party_id,
            applicant_side=applicant,
        )
    except EvaluationForbidden as exc:
        messages.error(request, exc.message)
        return render_verified(request, case, status=403)
    except AlreadyEvaluated as exc:
        messages.info(request, exc.message)
        return redirect("tracking:case", code=case.code)
    except ValidationError as exc:
        by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, errors in by_field.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return render_verified(request, case, evaluation_form=form, status=400)
    except DomainError as exc:
        # Already evaluated (perhaps by a second click a moment ago) deserves its own words.
        state = Case.objects.filter(pk=case.pk).values_list("state", flat=True).first()
        if state == State.EVALUATED:
            messages.info(request, _("本案件已经评价过了，每个案件只能评价一次。"))
        else:
            messages.error(request, exc.message)
        return redirect("tracking:case", code=case.code)
    messages.success(request, _("感谢您的评价！"))
    return redirect("tracking:case", code=case.code)
