"""The parties' public tracking pages: no account, mobile first.

The code alone (it is sequential, so no secret) shows the stage and dates, nothing else. A second
factor, the key inside the receipt's QR (``?k=``) or the last four digits of any party's phone,
is remembered in the session for a while, with whose it was, and adds the lead department, the
deadline, the public handling records, supervision, the result and, once closed, for the
applicant side, the evaluation form (which posts to ``supervision:public_evaluate``). The second
factor is checked by :mod:`cases.tracking`, as the public API checks it; stage-only pages of codes
this browser never verified are counted per address (:func:`cases.ratelimit.reserve_code_view`).
"""

import re
import time
import unicodedata

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from departments.models import Center

from .. import ratelimit
from ..codes import InvalidCaseCode, display_code, normalize_code
from ..models import TRACKING_KEY_FIELDS, Case, Rating
from ..selectors import public_case_detail, public_progress
from ..tracking import Proof, verify_second_factor

SESSION_KEY = "tracking_verified"
# code → [party id or None, applicant side?]: who proved themselves, for the evaluation.
SESSION_PARTY_KEY = "tracking_party"
MAX_REMEMBERED = 20
COMMENT_MAX_LENGTH = 1000
# What the unverified page reads: the stage and its dates, nothing personal.
PUBLIC_FIELDS = ("id", "code", "state", "created_at")


# --- Forms (the tracking pages' own; the evaluation is posted to the supervision app) -----------


class VerifyForm(forms.Form):
    last4 = forms.CharField(
        label=gettext_lazy("手机号后四位"),
        max_length=8,
        error_messages={"required": gettext_lazy("请输入受理时登记的手机号码后四位。")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9０-９]{4}", "size": 6}
        ),
    )

    def clean_last4(self) -> str:
        # Full-width digits from a Chinese input method count as the digits they show.
        value = unicodedata.normalize("NFKC", self.cleaned_data["last4"]).strip()
        if not re.fullmatch(r"[0-9]{4}", value):
            raise forms.ValidationError(_("请输入 4 位数字。"))
        return value


_RATING_REQUIRED = gettext_lazy("请选择评价：满意、基本满意或不满意。")


class EvaluationForm(forms.Form):
    rating = forms.ChoiceField(
        label=gettext_lazy("您对办理结果的评价"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _RATING_REQUIRED, "invalid_choice": _RATING_REQUIRED},
    )
    comment = forms.CharField(
        label=gettext_lazy("意见和建议（选填）"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": gettext_lazy("意见最多 %(limit_value)d 字（现为 %(show_value)d 字）。")
        },
    )


# --- The verification remembered in the session -------------------------------------------------


def _verified_seconds() -> int:
    return settings.ZONGZHI_TRACKING_VERIFIED_SECONDS


def is_verified(request, code: str) -> bool:
    """Return whether this browser proved a second factor for the case recently."""
    verified_at = request.session.get(SESSION_KEY, {}).get(code)
    return verified_at is not None and 0 <= time.time() - verified_at < _verified_seconds()


def verified_party(request, code: str) -> tuple[int | None, bool]:
    """Return (party id, applicant side?) of the second factor this browser proved for the case."""
    party_id, applicant = request.session.get(SESSION_PARTY_KEY, {}).get(code) or (None, False)
    return party_id, bool(applicant)


def remember_verified(request, code: str, proof: Proof) -> None:
    """Remember in the session that this browser holds a second factor for the case, and whose."""
    now = time.time()
    kept = {c: t for c, t in request.session.get(SESSION_KEY, {}).items() if now - t < _verified_seconds()}
    kept.pop(code, None)
    kept[code] = int(now)
    kept = dict(list(kept.items())[-MAX_REMEMBERED:])
    parties = request.session.get(SESSION_PARTY_KEY, {})
    parties[code] = [proof.party_id, proof.applicant]
    # A new session key on each verification, as at a log-in: no planted session rides along.
    request.session.cycle_key()
    request.session[SESSION_KEY] = kept
    request.session[SESSION_PARTY_KEY] = {c: parties[c] for c in kept if c in parties}


# --- Rendering ----------------------------------------------------------------------------------


def default_center_name() -> str:
    """Return the name of this deployment's county center: the public header before a case is named."""
    return (
        Center.objects.filter(code=settings.ZONGZHI_COUNTY_CODE).values_list("name", flat=True).first() or ""
    )


def _start_page(request, context: dict, status: int = 200) -> HttpResponse:
    context = {"verify_form": VerifyForm(), "public_center_name": default_center_name(), **context}
    return render(request, "cases/tracking_start.html", context, status=status)


def _start_error(request, code_text: str, message, status: int) -> HttpResponse:
    return _start_page(request, {"code": code_text, "error": message}, status=status)


def _not_found(request, code_text: str) -> HttpResponse:
    return _start_error(request, code_text, _("未找到该案件编号，请核对后重新输入。"), 404)


def too_many_failures(request) -> HttpResponse:
    """Answer 429: the address or the code has used up its verification attempts."""
    window = ratelimit.window_seconds()
    response = render(request, "429.html", {"minutes": max(1, -(-window // 60))}, status=429)
    response["Retry-After"] = str(window)
    return response


def too_many_codes(request) -> HttpResponse:
    """Answer 429: this address opened too many codes it never verified in the window."""
    window = ratelimit.codes_viewed_window_seconds()
    message = _("查询的案件编号过多，请 %(minutes)s 分钟后再试。如您持有回执，请扫描回执上的二维码查询。") % {
        "minutes": max(1, -(-window // 60))
    }
    response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(window)
    return response


def _common_context(case: Case) -> dict:
    timeline, hops = public_progress(case)
    return {
        "case_code": case.code,
        "code_display": display_code(case.code),
        "state_label": case.get_state_display(),
        "timeline": timeline,
        "hops": hops,
        # The header names the center handling the case (selected with it by find_case).
        "public_center_name": case.center.name,
    }


def render_unverified(
    request, case: Case, *, verify_form: VerifyForm | None = None, error=None, status: int = 200
) -> HttpResponse:
    """Render the stage and dates with the form asking for the last four phone digits."""
    context = {**_common_context(case), "verified": False, "verify_form": verify_form or VerifyForm()}
    context["error"] = error
    return render(request, "cases/tracking_case.html", context, status=status)


def render_verified(
    request, case: Case, *, evaluation_form: EvaluationForm | None = None, status: int = 200
) -> HttpResponse:
    """Render what a verified party sees; ``case`` comes with its lead department selected."""
    party_id, applicant = verified_party(request, case.code)
    context = {
        **_common_context(case),
        "verified": True,
        "detail": public_case_detail(case, party_id=party_id, applicant=applicant),
        "evaluation_form": evaluation_form or EvaluationForm(),
    }
    return render(request, "cases/tracking_case.html", context, status=status)


def find_case(request, code_text: str, *, fields=None) -> Case | HttpResponse:
    """Return the case a typed code names, or the page saying why there is none."""
    try:
        code = normalize_code(code_text)
    except InvalidCaseCode as exc:
        return _start_error(request, code_text, exc.message, 400)
    queryset = Case.objects.select_related("center")
    queryset = (
        queryset.only(*fields, "center__name") if fields else queryset.select_related("lead_department")
    )
    case = queryset.filter(code=code).first()
    return case if case is not None else _not_found(request, code_text)


# --- Views --------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def tracking_start(request):
    """Ask for a case code and, optionally, the last four phone digits (the entry of /t/)."""
    source = request.POST if request.method == "POST" else request.GET
    code_text = source.get("code", "").strip()
    if request.method == "POST" and source.get("last4", "").strip():
        return _verify_by_phone(request, code_text)
    if not code_text:
        return _start_page(request, {"code": ""})
    case = find_case(request, code_text, fields=PUBLIC_FIELDS)
    if isinstance(case, HttpResponse):
        return case
    return redirect("tracking:case", code=case.code)


@never_cache
@require_http_methods(["GET", "HEAD"])
def tracking_case(request, code: str):
    """Show a case's stage and dates; with a second factor, its handling too.

    ``?k=`` is the key printed inside the receipt's QR: checked, remembered, then dropped from
    the address by a redirect so it stays out of the browser's history.
    """
    key = request.GET.get("k", "")
    try:
        canonical = normalize_code(code)
    except InvalidCaseCode as exc:
        return _start_error(request, code, exc.message, 400)
    verified = is_verified(request, canonical)
    if key and not verified:
        return _verify_by_key(request, code, key)
    if key:
        return redirect("tracking:case", code=canonical)
    if not verified and not ratelimit.reserve_code_view(
        address=ratelimit.client_address(request), code=canonical
    ):
        return too_many_codes(request)
    case = find_case(request, code, fields=None if verified else PUBLIC_FIELDS)
    if isinstance(case, HttpResponse):
        return case
    return render_verified(request, case) if verified else render_unverified(request, case)


@never_cache
@require_POST
def tracking_verify(request, code: str):
    """Check the last four digits of a party's phone (POST, CSRF-protected), then show the case."""
    return _verify_by_phone(request, code)


def _verify_by_key(request, code_text: str, key: str) -> HttpResponse:
    case = find_case(request, code_text, fields=(*PUBLIC_FIELDS, *TRACKING_KEY_FIELDS))
    if isinstance(case, HttpResponse):
        return case
    result = verify_second_factor(case, key=key, client_ip=ratelimit.client_address(request))
    if result.blocked:
        return too_many_failures(request)
    if result.ok:
        remember_verified(request, case.code, result)
        return redirect("tracking:case", code=case.code)
    return render_unverified(
        request, case, error=_("二维码链接无效，请输入受理时登记的手机号码后四位进行验证。"), status=403
    )


def _verify_by_phone(request, code_text: str) -> HttpResponse:
    case = find_case(request, code_text, fields=PUBLIC_FIELDS)
    if isinstance(case, HttpResponse):
        return case
    form = VerifyForm(request.POST)
    if not form.is_valid():
        return render_unverified(request, case, verify_form=form, status=400)
    result = verify_second_factor(
        case, phone_digits=form.cleaned_data["last4"], client_ip=ratelimit.client_address(request)
    )
    if result.blocked:
        return too_many_failures(request)
    if not result.ok:
        form.add_error("last4", _("验证未通过：与受理时登记的手机号码后四位不符。"))
        return render_unverified(request, case, verify_form=form, status=403)
    remember_verified(request, case.code, result)
    messages.success(request, _("验证通过，现在可以查看办理详情。"))
    return redirect("tracking:case", code=case.code)
