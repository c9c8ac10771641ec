"""The choices of a case: states, risk colours, categories, sources, ratings, results."""

import base64
import hashlib
import hmac
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    RECEIVED = "received", _("已受理")
    ASSESSING = "assessing", _("研判中")
    ASSIGNED = "assigned", _("已交办")
    HANDLING = "handling", _("办理中")
    SUPERVISED = "supervised", _("督办中")
    REVIEWING = "reviewing", _("待审核")
    CLOSED = "closed", _("已结案")
    EVALUATED = "evaluated", _("已评价")
    REJECTED = "rejected", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    ESCALATED = "escalated", _("已上报")
    TRANSFERRING = "transferring", _("移交中")


OPEN_STATES = (
    State.RECEIVED,
    State.ASSESSING,
    State.ASSIGNED,
    State.HANDLING,
    State.SUPERVISED,
    State.REVIEWING,
    # Waiting for the level above: reported up (上报) or being transferred (移交) through it.
    State.ESCALATED,
    State.TRANSFERRING,
)
# Waiting at another center's door: the parent decides on a report up or a transfer.
IN_TRANSIT_STATES = (State.ESCALATED, State.TRANSFERRING)
# States in which a department holds the case and its handling deadline runs.
WITH_DEPARTMENT_STATES = (State.ASSIGNED, State.HANDLING, State.SUPERVISED)
# States in which a department works the case: its deadline states and the center's review of
# its result (records may still be added, orders on it are still followed up).
WORKING_STATES = (*WITH_DEPARTMENT_STATES, State.REVIEWING)


class RiskColour(models.TextChoices):
    RED = "red", _("红色")
    YELLOW = "yellow", _("黄色")
    BLUE = "blue", _("蓝色")


class Category(models.TextChoices):
    LABOUR = "labour", _("劳动争议")
    MARRIAGE_FAMILY = "marriage_family", _("婚姻家庭")
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    LAND = "land", _("土地山林")
    PROPERTY = "property", _("物业纠纷")
    CONSUMER = "consumer", _("消费维权")
    MEDICAL = "medical", _("医疗纠纷")
    CONSTRUCTION = "construction", _("工程建设")
    TRAFFIC = "traffic", _("交通事故")
    CONTRACT = "contract", _("合同债务")
    PETITION = "petition", _("信访事项")
    OTHER = "other", _("其他")


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("来访")
    HOTLINE = "hotline", _("热线")
    GRID = "grid", _("网格员上报")
    POLICE = "police", _("公安移交")
    ONLINE = "online", _("网上受理")
    UPSTREAM = "upstream", _("上级转办")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class ResultKind(models.TextChoices):
    MEDIATION_AGREEMENT = "agreement", _("达成调解协议")
    RESOLVED = "resolved", _("问题已解决")
    EXPLAINED = "explained", _("解释说明、息诉罢访")
    REFERRED = "referred", _("引导通过法定途径解决")
    OTHER = "other", _("其他")


class RedirectTarget(models.TextChoices):
    SERVICE_CENTER = "service_center", _("政务服务中心")
    COURT = "court", _("人民法院")
    OTHER = "other", _("其他部门")


def new_tracking_key() -> str:
    """Return a random key (kept for the old migrations that named it as a default)."""
    return secrets.token_urlsafe(12)


def new_tracking_nonce() -> str:
    """Return a case's random nonce, from which its receipt key is derived."""
    return secrets.token_urlsafe(16)


def derive_tracking_key(code: str, nonce: str) -> str:
    """Return the secret printed inside a receipt's QR code: HMAC of the case's code and nonce.

    Keyed by ``ZONGZHI_TRACKING_SECRET``, so the database holds only the nonce and a hash of the
    key, and a receipt can still be reprinted with the same key.
    """
    from django.conf import settings

    mac = hmac.new(settings.ZONGZHI_TRACKING_SECRET.encode(), f"{code}:{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode()[:16]


def hash_tracking_key(key: str) -> str:
    """Return the SHA-256 hash of a receipt key, as stored."""
    return hashlib.sha256(str(key).encode()).hexdigest()
