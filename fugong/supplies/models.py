"""Supplies bought for closed-loop sites (点单+代购): a closed-loop enterprise orders daily
necessities for its staff, an assigned buyer (a commissioner or a volunteer's account) accepts,
buys, records the cost and hands the goods over at the site boundary without contact, and the
enterprise confirms receipt and settles."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.registry.models import Enterprise, scope_q


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The enterprise scope, and the orders a buyer is assigned to."""
        q = scope_q(user, "enterprise__")
        if getattr(user, "pk", None) and user.is_active:
            q |= Q(buyer=user)
        return self.filter(q)


class SupplyOrder(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待分派")
        ASSIGNED = "assigned", _("待接单")
        ACCEPTED = "accepted", _("采购中")
        BOUGHT = "bought", _("已采购")
        HANDED_OVER = "handed_over", _("已交接")
        RECEIVED = "received", _("已签收")
        SETTLED = "settled", _("已结算")
        CANCELLED = "cancelled", _("已取消")

    OPEN = (State.SUBMITTED, State.ASSIGNED, State.ACCEPTED, State.BOUGHT, State.HANDED_OVER)

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="supply_orders"
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    deliver_by = models.DateTimeField(_("送达时限"))
    handover_point = models.CharField(
        _("交接地点"), max_length=200, help_text=_("闭环边界处的无接触交接点，如：东门隔离栏外")
    )
    note = models.TextField(_("备注"), blank=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代购人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supply_orders",
    )
    cost = models.DecimalField(
        _("采购金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    handover_note = models.CharField(_("交接情况"), max_length=200, blank=True)
    handed_over_at = models.DateTimeField(_("交接时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    paid = models.DecimalField(
        _("结算金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    settled_at = models.DateTimeField(_("结算时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("代购订单")
        verbose_name_plural = _("代购订单")
        ordering = ["deliver_by", "id"]

    def __str__(self):
        return f"#{self.pk} {self.enterprise}"


class SupplyItem(models.Model):
    order = models.ForeignKey(SupplyOrder, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("物品"), max_length=100)
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("代购物品")
        verbose_name_plural = _("代购物品")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} {self.quantity}{self.unit}"
