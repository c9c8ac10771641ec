"""The parties (当事人) of a case; phone and ID numbers are personal data."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.fields import KIND_ID_NUMBER, KIND_PHONE, BlindIndexField, PersonalDataField, mask_name
from common.validators import validate_id_number, validate_phone

from .case import Case


class Party(models.Model):
    """A party to a case (当事人). Phone and ID number are personal data."""

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
    def name_masked(self) -> str:
        return mask_name(self.name)
