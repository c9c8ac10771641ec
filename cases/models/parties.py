"""The parties (当事人) of a case; phone and ID numbers are personal data."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.fields import KIND_ID_NUMBER, KIND_PHONE, BlindIndexField, PersonalDataField, mask_name
from common.validators import validate_id_number, validate_phone

from .case import Case

# What an organisation's name ends with (公司、委员会、局…): how a party's kind is told when nobody
# said (API clients, parties recorded before the kind existed). Only endings no person's name has:
# a person taken for an organisation would show unmasked.
ORGANISATION_SUFFIXES = (
    "公司", "集团", "委员会", "办公室", "办事处", "中心", "协会", "学会", "商会", "联合会", "基金会",
    "银行", "合作社", "事务所", "医院", "卫生院", "学校", "大学", "幼儿园", "物业", "工厂", "商店",
    "超市", "酒店", "饭店", "商行", "工作室", "政府", "派出所", "研究院", "研究所", "工程队", "局", "厂",
)  # fmt: skip


def guess_party_kind(name: str) -> str:
    """Tell an organisation from a natural person by the name's ending (某某有限公司, 县住建局)."""
    name = (name or "").strip()
    if len(name) >= 4 and name.endswith(ORGANISATION_SUFFIXES):
        return Party.Kind.ORGANISATION
    return Party.Kind.PERSON


class Party(models.Model):
    """A party to a case (当事人). Phone and ID number are personal data."""

    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", _("单位/组织")

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        OTHER = "other", _("其他当事人")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(_("姓名"), max_length=50)
    phone = PersonalDataField(_("联系电话"), kind=KIND_PHONE, validators=[validate_phone])
    phone_index = BlindIndexField(source="phone")
    id_number = PersonalDataField(_("身份证号"), kind=KIND_ID_NUMBER, validators=[validate_id_number])
    id_number_index = BlindIndexField(source="id_number")
    kind = models.CharField(
        _("类型"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.PERSON,
        help_text=_("单位（法人或其他组织）的名称不是个人信息，列表中不打码。"),
    )
    role = models.CharField(_("身份"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    is_representative = models.BooleanField(_("代表人"), default=False)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    # Every edit is kept (who, when, what): django-simple-history, shown in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "order", "id"]

    def __str__(self):
        return self.name_masked

    @property
    def is_organisation(self) -> bool:
        return self.kind == self.Kind.ORGANISATION

    @property
    def name_masked(self) -> str:
        """The name as shown in bulk: a person's masked (张**), an organisation's in full."""
        return self.name if self.is_organisation else mask_name(self.name)
