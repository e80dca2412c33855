"""The enterprise registry: enterprises, named lists with history, responsibility assignments
(包保) and commissioners' visits. Every queryset of enterprise-owned data has `visible_to(user)`,
built from one rule (`scope_q`), and views, exports and the API start from it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import FilteredRelation, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Region, Unit
from fugong.core.stamps import Stamp
from fugong.core.validators import validate_phone, validate_uscc

from . import industry


def scope_q(user, prefix=""):
    """The Q that limits enterprise-owned rows to what `user` may see.

    `prefix` is the path from the model to its enterprise ("" for Enterprise itself,
    "enterprise__" for rows that belong to one)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_admin:
        return Q()
    if user.is_region_scoped:
        return user.unit.region.subtree_q(prefix)
    if user.is_commissioner:
        return Q(**{f"{prefix}assignment__commissioners": user})
    enterprise_id = enterprise_id_of(user)
    if enterprise_id:
        return Q(**{f"{prefix}pk" if not prefix else f"{prefix[:-2]}_id": enterprise_id})
    return Q(pk__in=[])


def enterprise_id_of(user):
    """The id of the enterprise whose own account this is, or None."""
    account = getattr(user, "enterprise_account", None) if user.pk else None
    return account.enterprise_id if account else None


def own_enterprise(user):
    """The enterprise whose own account this is (with its region), or None; the one already
    loaded with the account (the API token's authentication fetches it) is reused."""
    account = getattr(user, "enterprise_account", None) if user.pk else None
    if account is not None and EnterpriseAccount.enterprise.is_cached(account):
        enterprise = account.enterprise
        if Enterprise.region.is_cached(enterprise):
            return enterprise
    pk = enterprise_id_of(user)
    return Enterprise.objects.select_related("region").filter(pk=pk).first() if pk else None


class ScopedQuerySet(models.QuerySet):
    scope_prefix = "enterprise__"

    def visible_to(self, user):
        return self.filter(scope_q(user, self.scope_prefix))


def active_q(day, prefix="") -> Q:
    """The Q of enterprises active on `day`: registered by then and not closed before (an
    empty active-from means registered before the registry kept dates)."""
    return (
        Q(**{f"{prefix}active_from__isnull": True}) | Q(**{f"{prefix}active_from__lte": day})
    ) & (Q(**{f"{prefix}active_to__isnull": True}) | Q(**{f"{prefix}active_to__gt": day}))


class EnterpriseQuerySet(ScopedQuerySet):
    scope_prefix = ""

    def active_on(self, day):
        return self.filter(active_q(day))


class Enterprise(models.Model):
    class Scale(models.TextChoices):
        ABOVE = "above", _("规上")
        BELOW = "below", _("规下")

    class Closure(models.TextChoices):
        SUSPENDED = "suspended", _("停产")
        DEREGISTERED = "deregistered", _("注销")
        MOVED_OUT = "moved_out", _("迁出")

    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("企业名称"), max_length=200, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="enterprises"
    )
    # The most precise GB/T 4754-2017 code the enterprise was given: a section letter (`C`), a
    # division (`27`), a group (`271`) or a class (`2710`); section and division are derived.
    industry = models.CharField(_("行业"), max_length=4, validators=[industry.validate_code])
    industry_section = models.CharField(_("行业门类"), max_length=1, editable=False, db_index=True)
    industry_division = models.CharField(
        _("行业大类"), max_length=2, editable=False, blank=True, db_index=True
    )
    scale = models.CharField(_("规模"), max_length=5, choices=Scale.choices, db_index=True)
    total_staff = models.PositiveIntegerField(_("职工总数"), default=0)
    # 上年工业总产值 in 万元: weights the output-weighted shares and the policies' output rule;
    # empty when unknown (never read as zero)
    annual_output = models.DecimalField(
        _("上年工业总产值（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(_("纬度"), max_digits=8, decimal_places=6, null=True, blank=True)
    power_account = models.CharField(
        _("用电户号"),
        max_length=32,
        blank=True,
        help_text=_("供电公司的用电户号：电力数据可按户号导入"),
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("联系电话"), max_length=20, blank=True, validators=[validate_phone]
    )
    notes = models.TextField(_("备注（一企一策）"), blank=True)
    # the dates the enterprise counts from and until (as-of denominators: README "As of day
    # D"); set when it is registered and when it closes, never back-filled by other edits
    active_from = models.DateField(
        _("登记日期"),
        null=True,
        blank=True,
        help_text=_("自该日起应报日报；留空为登记早于本平台"),
    )
    active_to = models.DateField(
        _("停业日期"), null=True, blank=True, help_text=_("自该日起不再应报（停产、注销或迁出）")
    )
    closure_reason = models.CharField(
        _("停业原因"), max_length=12, choices=Closure.choices, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["power_account"],
                condition=~Q(power_account=""),
                name="one_enterprise_per_power_account",
            )
        ]

    def __str__(self):
        return self.name

    def active_users(self):
        """The enterprise's own active accounts (its contact, its health officer)."""
        return [a.user for a in self.accounts.select_related("user") if a.user.is_active]

    def save(self, *args, **kwargs):
        self.derive_industry()
        if self.pk is None or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        # a change of region or scale keeps the old values' period (EnterpriseHistory)
        before = Enterprise.objects.filter(pk=self.pk).values("region_id", "scale").first()
        with transaction.atomic():  # the period first: the rollups' post_save reads it
            if before and (before["region_id"], before["scale"]) != (self.region_id, self.scale):
                record_history([(self.pk, before["region_id"], before["scale"])])
            super().save(*args, **kwargs)

    def derive_industry(self) -> None:
        """Set `industry_section` and `industry_division` from `industry` (any precision)."""
        self.industry_section = industry.section_of(self.industry)
        self.industry_division = industry.division_of(self.industry)

    def is_active_on(self, day) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_to is None or self.active_to > day
        )

    @property
    def industry_label(self):
        return industry.label(self.industry)

    def clean(self):
        errors = {}
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            errors["longitude"] = _("经度应在 -180 到 180 之间")
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            errors["latitude"] = _("纬度应在 -90 到 90 之间")
        if self.active_to and not self.closure_reason:
            errors["closure_reason"] = _("填写停业日期时须选择停业原因（停产、注销或迁出）")
        if self.closure_reason and not self.active_to:
            errors["active_to"] = _("选择停业原因时须填写停业日期")
        if self.active_from and self.active_to and self.active_to <= self.active_from:
            errors["active_to"] = _("停业日期应晚于登记日期")
        if errors:
            raise ValidationError(errors)


class EnterpriseHistory(models.Model):
    """An enterprise's region and scale over a past period [valid_from, valid_to): valid_from
    empty means since before the registry kept dates. The enterprise's own columns hold its
    current values, valid from its last period's end (or since ever: an enterprise whose
    region and scale never changed has no rows). README "As of day D"."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="history"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    scale = models.CharField(_("规模"), max_length=5, choices=Enterprise.Scale.choices)
    valid_from = models.DateField(_("起始日期"), null=True, blank=True)
    valid_to = models.DateField(_("截止日期（不含）"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("企业区划与规模历史")
        verbose_name_plural = _("企业区划与规模历史")
        ordering = ["enterprise_id", "valid_to"]
        indexes = [models.Index(fields=["valid_to", "enterprise"])]

    def __str__(self):
        return f"{self.enterprise_id} {self.valid_from}–{self.valid_to}"


def record_history(changes, day=None) -> int:
    """Close the current period of region and scale of each changed enterprise: `changes` are
    (enterprise id, old region id, old scale); the new values count from `day` (today). The
    one path the form, the API, the admin (Enterprise.save) and the importer share. A second
    change on the same day replaces the first (the period in between is empty)."""
    day = day or timezone.localdate()
    changes = list(changes)
    starts = dict(
        EnterpriseHistory.objects.filter(enterprise_id__in=[c[0] for c in changes])
        .values("enterprise_id")
        .annotate(m=Max("valid_to"))
        .values_list("enterprise_id", "m")
    )
    rows = [
        EnterpriseHistory(
            enterprise_id=pk,
            region_id=region_id,
            scale=scale,
            valid_from=starts.get(pk),
            valid_to=day,
        )
        for pk, region_id, scale in changes
        if starts.get(pk) is None or starts[pk] < day
    ]
    EnterpriseHistory.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _periods_covering(day):
    return EnterpriseHistory.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day), valid_to__gt=day
    )


def as_of_q(day, region=None, scale="", prefix="") -> Q:
    """The Q of enterprises whose region (in `region`'s subtree) and/or scale were as given on
    `day`: the history period covering the day if there is one, else the current values. Two
    uncorrelated subqueries (hashed by PostgreSQL), never a lookup per enterprise."""
    current, past = Q(), Q()
    if region is not None:
        inside = region.subtree().values("pk")
        current &= Q(**{f"{prefix}region__in": inside})
        past &= Q(region__in=inside)
    if scale:
        current &= Q(**{f"{prefix}scale": scale})
        past &= Q(scale=scale)
    if not current:
        return Q()
    covering = _periods_covering(day)
    pk = f"{prefix[:-2]}_id" if prefix else "pk"
    return (current & ~Q(**{f"{pk}__in": covering.values("enterprise_id")})) | Q(
        **{f"{pk}__in": covering.filter(past).values("enterprise_id")}
    )


def with_as_of(qs, day):
    """Enterprises annotated with `region_as_of` and `scale_as_of` on `day` (for grouping):
    one LEFT JOIN to the history period covering the day."""
    period = FilteredRelation(
        "history",
        condition=(Q(history__valid_from__isnull=True) | Q(history__valid_from__lte=day))
        & Q(history__valid_to__gt=day),
    )
    return qs.annotate(period=period).annotate(
        region_as_of=Coalesce("period__region_id", "region_id"),
        scale_as_of=Coalesce("period__scale", "scale"),
    )


def regions_of(enterprise_ids) -> set:
    """Every leaf region the enterprises were or are in (for the rollups' recomputation)."""
    ids = list(enterprise_ids)
    return set(Enterprise.objects.filter(pk__in=ids).values_list("region_id", flat=True)) | set(
        EnterpriseHistory.objects.filter(enterprise_id__in=ids).values_list("region_id", flat=True)
    )


def changed_between(start, end) -> bool:
    """Whether any enterprise's region or scale changed on a day in (start, end]."""
    return EnterpriseHistory.objects.filter(valid_to__gt=start, valid_to__lte=end).exists()


def list_named(name: str, prefix: str = "") -> Q:
    """The Q of the list named `name`, or whose id it is when it is digits (the filters'
    rule); `prefix` is the path to the list (`list__` from a membership)."""
    named = Q(**{f"{prefix}name": name})
    return named | Q(**{f"{prefix}pk": int(name)}) if name.isdigit() else named


def lists_changed_between(lists, start, end) -> bool:
    """Whether an enterprise joined or left one of the lists (names, or ids as digits) on a
    day in (start, end]: membership as of `end` is each day's membership otherwise."""
    named = Q(pk__in=[])
    for name in lists:
        named |= list_named(name, "list__")
    changes = Q(added_on__gt=start, added_on__lte=end) | Q(
        removed_on__gt=start, removed_on__lte=end
    )
    return ListMembership.objects.filter(named, changes).exists()


class EnterpriseAccount(models.Model):
    """Links an enterprise user (contact, health officer) to the one enterprise they act for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_account"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="accounts")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业账号")
        verbose_name_plural = _("企业账号")

    def __str__(self):
        return f"{self.user} → {self.enterprise}"


class EnterpriseList(models.Model):
    """A named set of enterprises (名单). Membership is kept with its history."""

    class Kind(models.TextChoices):
        KEY = "key", _("重点企业")
        CITY_WHITELIST = "city_whitelist", _("市级白名单")
        PROVINCE_WHITELIST = "province_whitelist", _("省级白名单")
        CUSTOM = "custom", _("自定义名单")

    name = models.CharField(_("名单名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("名单")
        verbose_name_plural = _("名单")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class ListMembershipQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(removed_on__isnull=True)


class ListMembership(models.Model):
    list = models.ForeignKey(
        EnterpriseList, verbose_name=_("名单"), on_delete=models.CASCADE, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="memberships"
    )
    added_on = models.DateField(_("列入日期"), default=timezone.localdate)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("列入人"),
    )
    reason = models.CharField(_("列入原因"), max_length=255, blank=True)
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("移出人"),
    )
    removal_reason = models.CharField(_("移出原因"), max_length=255, blank=True)

    objects = ListMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("名单成员")
        verbose_name_plural = _("名单成员")
        ordering = ["-added_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["list", "enterprise"],
                condition=Q(removed_on__isnull=True),
                name="one_current_membership",
            )
        ]

    def __str__(self):
        return f"{self.list} · {self.enterprise}"


class Assignment(models.Model):
    """Who answers for an enterprise (包保): a leader, a department, a township or park, and one
    or more commissioners."""

    enterprise = models.OneToOneField(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="assignment"
    )
    leader_name = models.CharField(_("包保领导"), max_length=50, blank=True)
    leader_title = models.CharField(_("领导职务"), max_length=100, blank=True)
    leader_phone = models.CharField(
        _("领导电话"), max_length=20, blank=True, validators=[validate_phone]
    )
    department = models.ForeignKey(
        Unit,
        verbose_name=_("行业部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="department_assignments",
    )
    township = models.ForeignKey(
        Unit,
        verbose_name=_("属地街镇/园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="township_assignments",
    )
    commissioners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("特派员/联络员"),
        blank=True,
        related_name="assignments",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("包保责任")
        verbose_name_plural = _("包保责任")
        ordering = ["enterprise__name"]

    def __str__(self):
        return str(self.enterprise)


class Visit(models.Model):
    """A commissioner's visit to an enterprise: what was seen, what problems were raised."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="visits"
    )
    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visited_on = models.DateField(_("走访日期"), default=timezone.localdate)
    observations = models.TextField(_("走访情况"))
    problems = models.TextField(_("发现问题"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]

    def __str__(self):
        return f"{self.visited_on} {self.enterprise}"

    def clean(self):
        if self.visited_on and self.visited_on > timezone.localdate():
            raise ValidationError({"visited_on": _("走访日期不能晚于今天")})


class RegistryStamp(Stamp):
    """The stamp (`core.stamps`) that database triggers renew whenever enterprises, their
    history, lists, list memberships, assignments or regions are written: the statistics keep
    the registry's denominators they counted for as long as it is unchanged
    (`reporting.stats.REGISTRY_KEPT`)."""

    class Meta:
        verbose_name = _("企业名录版本")
        verbose_name_plural = _("企业名录版本")
