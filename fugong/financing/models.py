"""Financing matches (融资对接): an enterprise states a loan need, a financing officer shares
it with banks (units of kind `bank`), each bank answers on its own share with an offer and
marks it granted or declined. A bank's accounts see only the needs shared with their bank."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Unit
from fugong.registry.models import Enterprise, scope_q


class NeedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A bank: the needs shared with it; everyone else: the enterprise scope."""
        if getattr(user, "is_bank", False):
            shared = NeedShare.objects.filter(bank_id=user.unit_id).values("need_id")
            return self.filter(pk__in=shared)
        return self.filter(scope_q(user, "enterprise__"))


class FinancingNeed(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("待对接")
        SHARED = "shared", _("已推送银行")
        GRANTED = "granted", _("已放款")
        WITHDRAWN = "withdrawn", _("已撤回")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="financing_needs"
    )
    amount = models.DecimalField(_("需求金额（万元）"), max_digits=12, decimal_places=2)
    purpose = models.CharField(_("资金用途"), max_length=200)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    collateral = models.CharField(_("担保方式"), max_length=200, blank=True)
    note = models.TextField(_("补充说明"), blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("融资需求")
        verbose_name_plural = _("融资需求")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.enterprise} {self.amount} 万元"


class ShareQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A bank: its own shares; everyone else: the shares of needs in their scope."""
        if getattr(user, "is_bank", False):
            return self.filter(bank_id=user.unit_id)
        return self.filter(scope_q(user, "need__enterprise__"))


class NeedShare(models.Model):
    """A need shared with one bank, and that bank's answer: an offer (product, amount, rate,
    term), then granted or declined with a reason."""

    class State(models.TextChoices):
        SHARED = "shared", _("待银行答复")
        OFFERED = "offered", _("已提供方案")
        GRANTED = "granted", _("已放款")
        DECLINED = "declined", _("未获贷款")

    need = models.ForeignKey(
        FinancingNeed, verbose_name=_("融资需求"), on_delete=models.CASCADE, related_name="shares"
    )
    bank = models.ForeignKey(
        Unit,
        verbose_name=_("银行"),
        on_delete=models.PROTECT,
        related_name="financing_shares",
        limit_choices_to={"kind": Unit.Kind.BANK},
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.SHARED, db_index=True
    )
    product = models.CharField(_("贷款产品"), max_length=100, blank=True)
    offer_amount = models.DecimalField(
        _("授信金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    rate = models.DecimalField(
        _("年利率（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    offer_term_months = models.PositiveSmallIntegerField(_("贷款期限（月）"), null=True, blank=True)
    granted_amount = models.DecimalField(
        _("放款金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("说明/未获贷款原因"), blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("推送时间"), auto_now_add=True)

    objects = ShareQuerySet.as_manager()

    class Meta:
        verbose_name = _("推送银行")
        verbose_name_plural = _("推送银行")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["need", "bank"], name="one_share_per_bank"),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | Q(rate__gte=0, rate__lte=100),
                name="share_rate_is_a_percentage",
            ),
        ]

    def __str__(self):
        return f"{self.need_id} → {self.bank}"
