"""On-site inspections (督导检查): a plan names the enterprises (a list, a filter, or a seeded
sample stratified by township), the teams of officers and the due date; each inspection answers
the campaign's checklist item by item (passed / failed / not applicable, photos, a note) with
the enterprise's representative acknowledging; each failed item becomes a rectification with a
deadline, closed by a re-inspection that finds it passed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign, Region
from fugong.registry.models import Enterprise, ScopedQuerySet, scope_q


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Plans of the user's region subtree (or covering it), and plans whose team the user
        is on; none for enterprise accounts."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        rule = Q(teams__members=user)
        if user.is_region_scoped:
            region = user.unit.region
            rule |= region.subtree_q() | Q(region__code__in=region.chain_codes)
        return self.filter(pk__in=InspectionPlan.objects.filter(rule).values("pk"))


class InspectionPlan(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("检查计划"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("检查范围"), on_delete=models.PROTECT, related_name="+"
    )
    # the selection: EnterpriseFilter's query (industry, scale, list, q) and, for a sample, the
    # share in percent of each township's enterprises, drawn with `seed`
    criteria = models.JSONField(_("筛选条件"), default=dict, blank=True)
    share = models.PositiveSmallIntegerField(_("抽查比例（%）"), null=True, blank=True)
    seed = models.CharField(_("随机种子"), max_length=40, blank=True)
    due_on = models.DateField(_("完成期限"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查计划")
        verbose_name_plural = _("检查计划")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class Team(models.Model):
    plan = models.ForeignKey(
        InspectionPlan, verbose_name=_("检查计划"), on_delete=models.CASCADE, related_name="teams"
    )
    name = models.CharField(_("检查组"), max_length=50)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("组员"), related_name="inspection_teams"
    )

    class Meta:
        verbose_name = _("检查组")
        verbose_name_plural = _("检查组")
        ordering = ["plan", "id"]

    def __str__(self):
        return self.name


class InspectionQuerySet(ScopedQuerySet):
    team_path = "team__members"

    def visible_to(self, user):
        """The enterprises' scope, and the inspections of the user's own teams."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        mine = self.model.objects.filter(**{self.team_path: user}).values("pk")
        return self.filter(scope_q(user, self.scope_prefix) | Q(pk__in=mine))


class ItemResultQuerySet(InspectionQuerySet):
    scope_prefix = "inspection__enterprise__"
    team_path = "inspection__team__members"


class RectificationQuerySet(InspectionQuerySet):
    team_path = "inspection__team__members"


class Inspection(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("待检查")
        DONE = "done", _("已检查")
        CANCELLED = "cancelled", _("已取消")

    class Result(models.TextChoices):
        PASSED = "passed", _("合格")
        FAILED = "failed", _("不合格")

    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("检查计划"),
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="inspections"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("检查组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
    )
    reinspection_of = models.ForeignKey(
        "self",
        verbose_name=_("复查对象"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reinspections",
    )
    due_on = models.DateField(_("完成期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.PLANNED, db_index=True
    )
    result = models.CharField(_("结论"), max_length=8, choices=Result.choices, blank=True)
    serious = models.BooleanField(_("存在严重问题"), default=False)
    # what the inspector asked of the enterprise's qualification ("", suspend, revoke) and how
    # many approved qualifications the approvals app moved
    qualification_action = models.CharField(_("资格处理"), max_length=10, blank=True)
    qualifications_moved = models.PositiveSmallIntegerField(default=0)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    inspected_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    representative = models.CharField(_("企业代表"), max_length=50, blank=True)
    acknowledged = models.BooleanField(_("企业代表已确认"), default=False)
    summary = models.TextField(_("检查意见"), blank=True)
    # the phone's draft key: a draft submitted twice (a retry after a lost answer) is one
    client_key = models.CharField(max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["due_on", "enterprise__name", "id"]
        indexes = [models.Index(fields=["plan", "state"])]

    def __str__(self):
        return f"{self.plan} · {self.enterprise}"


class ItemResult(models.Model):
    """One checklist item as found on site; its photos are attachments of this row."""

    class Outcome(models.TextChoices):
        PASSED = "passed", _("通过")
        FAILED = "failed", _("不通过")
        NOT_APPLICABLE = "na", _("不适用")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(_("检查项"), max_length=40)
    label = models.CharField(_("检查项名称"), max_length=100)
    outcome = models.CharField(_("结果"), max_length=8, choices=Outcome.choices)
    points = models.JSONField(_("已核查要点"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    serious = models.BooleanField(_("严重问题"), default=False)

    objects = ItemResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查项结果")
        verbose_name_plural = _("检查项结果")
        ordering = ["inspection", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "key"], name="one_result_per_item")
        ]

    def __str__(self):
        return f"{self.label}: {self.get_outcome_display()}"


class Rectification(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("整改中")
        REPORTED = "reported", _("已报整改")
        CLOSED = "closed", _("复查通过")

    OPEN_STATES = (State.OPEN, State.REPORTED)

    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("检查"),
        on_delete=models.CASCADE,
        related_name="rectifications",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    item = models.ForeignKey(ItemResult, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("检查项"), max_length=40)
    label = models.CharField(_("检查项名称"), max_length=100)
    problem = models.TextField(_("问题"))
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    response = models.TextField(_("整改情况"), blank=True)
    closed_by = models.ForeignKey(
        Inspection,
        verbose_name=_("复查"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="closed_rectifications",
    )
    closed_on = models.DateField(_("复查通过日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["deadline", "id"]

    def __str__(self):
        return f"{self.enterprise} · {self.label}"
