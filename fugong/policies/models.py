"""Relief policies (惠企政策): a policy with its eligibility rules stored as data, the
enterprises' applications for it and the payments or reliefs granted on them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Region, Role, Unit
from fugong.registry.models import Enterprise, ScopedQuerySet, enterprise_id_of


class PolicyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators: all. Region-scoped officers: the policies of their region's subtree
        (drafts too) and the published ones of the regions above it. Enterprise accounts and
        commissioners: published policies (an enterprise's only those covering its region)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role == Role.ADMIN:
            return self
        published = Q(state=Policy.State.PUBLISHED)
        region = user.scope_region
        if region is not None:
            return self.filter(
                region.subtree_q() | (published & Q(region__code__in=region.chain_codes))
            )
        enterprise_id = enterprise_id_of(user)
        if enterprise_id:
            own = Enterprise.objects.select_related("region").get(pk=enterprise_id).region
            return self.filter(published, region__code__in=own.chain_codes)
        if user.role == Role.COMMISSIONER:
            return self.filter(published)
        return self.none()

    def in_force(self, day):
        """Published and valid on `day`."""
        return self.filter(state=Policy.State.PUBLISHED).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )


class Policy(models.Model):
    class Support(models.TextChoices):
        SUBSIDY = "subsidy", _("资金补贴")
        TAX_RELIEF = "tax_relief", _("税费减免")
        LOAN_DISCOUNT = "loan_discount", _("贷款贴息")
        FEE_WAIVER = "fee_waiver", _("费用减免")
        DEFERRAL = "deferral", _("缓缴延期")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已废止")

    title = models.CharField(_("政策名称"), max_length=200, unique=True)
    issuer = models.CharField(_("发布单位"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("适用区划"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    support = models.CharField(_("扶持方式"), max_length=16, choices=Support.choices)
    text = models.TextField(_("政策内容"), blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("经办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("有效期止不能早于有效期起")})


class Rule(models.Model):
    """One eligibility rule of a policy: a kind (see `rules.Kind`) and its parameters."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("条件"), max_length=16)
    params = models.JSONField(_("参数"), default=dict)

    class Meta:
        verbose_name = _("申报条件")
        verbose_name_plural = _("申报条件")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="one_rule_of_a_kind")
        ]

    def __str__(self):
        return f"{self.policy_id} {self.kind}"


class PolicyApplication(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已批准")
        GRANTED = "granted", _("已兑现")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN = (State.SUBMITTED, State.APPROVED, State.GRANTED)

    policy = models.ForeignKey(
        Policy, verbose_name=_("政策"), on_delete=models.PROTECT, related_name="applications"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="policy_applications",
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    amount_requested = models.DecimalField(
        _("申报金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("申报说明"), blank=True)
    amount_approved = models.DecimalField(
        _("核定金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decision = models.TextField(_("审核意见"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("政策申报")
        verbose_name_plural = _("政策申报")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "enterprise"],
                condition=Q(state__in=["submitted", "approved", "granted"]),
                name="one_open_policy_application",
            )
        ]

    def __str__(self):
        return f"{self.policy} · {self.enterprise}"


class GrantQuerySet(ScopedQuerySet):
    scope_prefix = "application__enterprise__"


class Grant(models.Model):
    """A payment made or a relief granted on an approved application (兑现)."""

    application = models.ForeignKey(
        PolicyApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="grants"
    )
    amount = models.DecimalField(_("兑现金额（万元）"), max_digits=12, decimal_places=2)
    granted_on = models.DateField(_("兑现日期"))
    note = models.CharField(_("说明"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("兑现记录")
        verbose_name_plural = _("兑现记录")
        ordering = ["granted_on", "id"]

    def __str__(self):
        return f"{self.application_id} {self.amount}"
