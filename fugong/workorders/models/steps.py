"""What the 12345 discipline keeps beside an order: refusals and their rulings, extension
requests, assisting units' sub-tasks, and each unit's stint (the scorecard's rollup)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Unit

from .orders import WorkOrder


class Refusal(models.Model):
    """A unit's refusal of an order (退单), with a reason from the list, and the dispatcher's
    ruling on it."""

    class Reason(models.TextChoices):
        NOT_OURS = "not_ours", _("非本单位职责")
        WRONG_REGION = "wrong_region", _("不属于本辖区")
        DUPLICATE = "duplicate", _("重复工单")
        NOT_SOLVABLE = "not_solvable", _("非政府职能可解决")

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审核")
        UPHELD = "upheld", _("同意退单")
        REJECTED = "rejected", _("驳回退单")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="refusals")
    unit = models.ForeignKey(
        Unit, verbose_name=_("退单单位"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("退单理由"), max_length=14, choices=Reason.choices)
    rule = models.CharField(_("依据（三定规定/职责清单条款）"), max_length=200, blank=True)
    comment = models.TextField(_("说明"))
    suggested_unit = models.ForeignKey(
        Unit,
        verbose_name=_("建议承办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField(
        _("审核结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("退单时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退单")
        verbose_name_plural = _("退单")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.order_id} {self.get_reason_display()}"


class Extension(models.Model):
    """A unit's request for more time (延期申请), and the command centre's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("同意延期")
        REJECTED = "rejected", _("驳回延期")

    order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="extension_requests"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="+"
    )
    until = models.DateTimeField(_("申请延期至"))
    previous_deadline = models.DateTimeField(_("原办理时限"))
    reason = models.TextField(_("延期理由"))
    decision = models.CharField(
        _("审核结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["requested_at", "id"]

    def __str__(self):
        return f"{self.order_id} → {self.until:%Y-%m-%d}"


class Assist(models.Model):
    """An assisting unit's sub-task on an order (会签/协办), with its own deadline and reply;
    the lead unit cannot resolve the order while one is open."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="assists")
    unit = models.ForeignKey(
        Unit, verbose_name=_("协办单位"), on_delete=models.PROTECT, related_name="assists"
    )
    task = models.TextField(_("协办事项"))
    deadline = models.DateTimeField(_("协办时限"))
    reply = models.TextField(_("协办答复"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("发起时间"))

    class Meta:
        verbose_name = _("协办")
        verbose_name_plural = _("协办")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.order_id} + {self.unit}"

    @property
    def is_open(self):
        return self.replied_at is None


class Handling(models.Model):
    """One stint of one unit holding an order (承办记录), from its dispatch to the unit until the
    order leaves it (escalated, refused and re-dispatched) or closes: the scorecard's rollup,
    written by the same transaction as each step, so the scorecard reads one table."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="handlings")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    current = models.BooleanField(default=True)
    dispatched_at = models.DateTimeField(_("派发时间"), db_index=True)
    sign_deadline = models.DateTimeField(_("签收时限"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    deadline = models.DateTimeField(_("办理时限"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    escalated = models.BooleanField(_("被督办"), default=False)
    overdue = models.BooleanField(_("逾期"), default=False)
    refusals = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    refusal_upheld = models.BooleanField(_("退单获准"), default=False)
    extensions = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    redos = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    rated = models.BooleanField(_("已评价"), default=False)
    satisfied = models.BooleanField(_("满意"), null=True, blank=True)

    class Meta:
        verbose_name = _("承办记录")
        verbose_name_plural = _("承办记录")
        ordering = ["dispatched_at", "id"]
        indexes = [models.Index(fields=["unit", "dispatched_at"])]

    def __str__(self):
        return f"{self.order_id} @ {self.unit_id}"
