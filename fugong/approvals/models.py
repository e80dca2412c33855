"""Resumption applications (复工备案) and closed-loop qualifications (闭环生产): an enterprise's
plan against the campaign's checklist or the three conditions, reviewed in one or two steps,
approved with a certificate, or rejected, returned, withdrawn — and a closed-loop
qualification revoked (取缔)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign, Unit
from fugong.registry.models import Enterprise, ScopedQuerySet


class Application(models.Model):
    class Kind(models.TextChoices):
        RESUMPTION = "resumption", _("复工备案")
        CLOSED_LOOP = "closed_loop", _("闭环生产")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待初审")
        FIRST_APPROVED = "first_approved", _("待复审")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")
        REVOKED = "revoked", _("已取缔")
        SUSPENDED = "suspended", _("已暂停")  # by an inspection's serious findings

    PENDING = (State.SUBMITTED, State.FIRST_APPROVED)
    OPEN = (State.SUBMITTED, State.FIRST_APPROVED, State.RETURNED)

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="applications"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    # resumption: the campaign's checklist, answered
    checklist = models.JSONField(_("检查清单"), default=list, blank=True)
    staff_expected = models.PositiveIntegerField(_("预计返岗人数"), null=True, blank=True)
    planned_date = models.DateField(_("计划复工日期"), null=True, blank=True)
    # closed loop: the three conditions and the numbers that prove them
    boundary_sealable = models.BooleanField(_("边界可封"), default=False)
    lodging_assured = models.BooleanField(_("食宿可保"), default=False)
    stock_ready = models.BooleanField(_("备货可用"), default=False)
    staff_inside = models.PositiveIntegerField(_("闭环内员工数"), null=True, blank=True)
    beds = models.PositiveIntegerField(_("床位数"), null=True, blank=True)
    food_days = models.PositiveIntegerField(_("食品储备天数"), null=True, blank=True)
    stock_days = models.PositiveIntegerField(_("原料/备货天数"), null=True, blank=True)
    boundary_plan = models.TextField(_("封闭管理方案"), blank=True)

    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(_("审核时限"), null=True, blank=True)
    cleared_from = models.DateField(_("准予复工日期"), null=True, blank=True)
    approving_unit = models.ForeignKey(
        Unit,
        verbose_name=_("审批单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    code = models.CharField(max_length=80, unique=True, null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("申请")
        verbose_name_plural = _("申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "kind", "state"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} {self.enterprise}"

    @property
    def is_pending(self):
        return self.state in self.PENDING
