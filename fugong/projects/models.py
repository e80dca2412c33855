"""Key projects (重点项目) with their start and resumption status and the problems raised against
them (each becoming a work order), and supply-chain links (产业链供应链): an enterprise's key
suppliers and customers, a blocked link raised as an issue routed to the unit that can act, and
coordination requests to another city's command centre with their answers."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign, Region, Unit
from fugong.registry.models import Enterprise, ScopedQuerySet, scope_q


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Projects of the user's region subtree, or whose investor the user may see."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        rule = scope_q(user, "investor__")
        if user.is_region_scoped:
            rule |= user.unit.region.subtree_q()
        return self.filter(rule)

    def as_of(self, day):
        """Annotated with the status as of `day` (`status_as_of`): the latest report dated on
        or before it (carried forward), else the status set by hand on or before it, else
        未开(复)工; the day that status was given (`status_date`) and the report's workers on
        site (`workers_as_of`, None without a report)."""
        latest = ProjectReport.objects.filter(project=OuterRef("pk"), date__lte=day).order_by(
            "-date", "-id"
        )
        by_hand = Case(
            When(Q(status_on__isnull=True) | Q(status_on__lte=day), then=F("status")),
            default=Value(Project.Status.NOT_STARTED),
        )
        by_hand_on = Case(
            When(status_on__lte=day, then=F("status_on")),
            default=None,
            output_field=models.DateField(),
        )
        return self.annotate(
            reported_status=Subquery(latest.values("status")[:1]),
            reported_on=Subquery(latest.values("date")[:1]),
            workers_as_of=Subquery(latest.values("workers_on_site")[:1]),
        ).annotate(
            status_as_of=Coalesce("reported_status", by_hand, output_field=models.CharField()),
            status_date=Coalesce("reported_on", by_hand_on, output_field=models.DateField()),
        )


class Project(models.Model):
    class Stage(models.TextChoices):
        CONTINUING = "continuing", _("续建")
        NEW = "new", _("新开工")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未开(复)工")
        STARTED = "started", _("已开工")
        RESUMED = "resumed", _("已复工")
        STOPPED = "stopped", _("停工")

    name = models.CharField(_("项目名称"), max_length=200)
    investor = models.ForeignKey(
        Enterprise, verbose_name=_("投资企业"), on_delete=models.PROTECT, related_name="projects"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    investment = models.DecimalField(_("总投资（万元）"), max_digits=14, decimal_places=2)
    planned_start = models.DateField(_("计划开(复)工日期"))
    stage = models.CharField(_("建设性质"), max_length=12, choices=Stage.choices)
    project_list = models.CharField(_("所属名单"), max_length=50, blank=True, db_index=True)
    status = models.CharField(
        _("开复工状态"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    status_on = models.DateField(_("状态日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        ordering = ["project_list", "name", "id"]

    def __str__(self):
        return self.name

    @property
    def status_as_of_label(self) -> str:
        """The label of the status as of the day the queryset was annotated for (as_of)."""
        return str(self.Status(getattr(self, "status_as_of", self.status)).label)


class ProjectReport(models.Model):
    """A key project's daily report (项目日报) where its campaign asks for it: started or resumed,
    workers on site, problems (each becoming a work order). The same window as the enterprise
    reports (`Campaign.report_*`): `arrived_at` and `on_time` of the day's first version kept,
    a locked day refused; the project's status as of a day is its latest report's on or before
    that day (it carries forward)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    date = models.DateField(_("日期"))
    status = models.CharField(_("开复工状态"), max_length=12, choices=Project.Status.choices)
    workers_on_site = models.PositiveIntegerField(_("在场施工人数"), default=0)
    problems = models.TextField(_("存在问题"), blank=True)
    problem = models.ForeignKey(
        "ProjectProblem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("填报时间"))
    arrived_at = models.DateTimeField(_("首次报送时间"))
    on_time = models.BooleanField(_("按时报送"))
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("项目日报")
        verbose_name_plural = _("项目日报")
        ordering = ["-date", "project_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "project", "date"], name="one_project_report_per_day"
            )
        ]
        indexes = [models.Index(fields=["project", "date"], name="project_report_asof")]

    def __str__(self):
        return f"{self.date} {self.project_id}"


class ProjectReminderRun(models.Model):
    """One reminder time of a campaign's data day sent to the projects not yet reported."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("应急事件")
    )
    day = models.DateField(_("数据日"))
    at = models.TimeField(_("提醒时间"))
    kind = models.CharField(_("类型"), max_length=8)
    missing = models.PositiveIntegerField(_("未报项目数"), default=0)

    class Meta:
        verbose_name = _("项目日报提醒")
        verbose_name_plural = _("项目日报提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "at"], name="one_project_reminder_run"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.at} {self.kind}"


class ProjectProblemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(project__in=Project.objects.visible_to(user))


class ProjectProblem(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("办理中")
        SOLVED = "solved", _("已解决")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="problems")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("问题"))
    state = models.CharField(
        _("状态"), max_length=8, choices=State.choices, default=State.OPEN, db_index=True
    )
    order_id = models.PositiveIntegerField(_("工单号"), null=True, blank=True)
    solution = models.TextField(_("解决情况"), blank=True)
    solved_on = models.DateField(_("解决日期"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目问题")
        verbose_name_plural = _("项目问题")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.text[:40]


class SupplyLink(models.Model):
    class Direction(models.TextChoices):
        SUPPLIER = "supplier", _("上游供应商")
        CUSTOMER = "customer", _("下游客户")

    class State(models.TextChoices):
        NORMAL = "normal", _("畅通")
        BLOCKED = "blocked", _("受阻")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="supply_links"
    )
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices)
    partner = models.ForeignKey(
        Enterprise,
        verbose_name=_("本地企业"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    partner_name = models.CharField(_("外地企业名称"), max_length=200, blank=True)
    partner_city = models.CharField(_("所在城市"), max_length=50, blank=True)
    goods = models.CharField(_("产品/物料"), max_length=100)
    state = models.CharField(
        _("状态"), max_length=8, choices=State.choices, default=State.NORMAL, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("供应链环节")
        verbose_name_plural = _("供应链环节")
        ordering = ["enterprise", "direction", "id"]

    def __str__(self):
        return f"{self.enterprise} ← {self.partner_label}"

    @property
    def partner_label(self) -> str:
        if self.partner_id:
            return self.partner.name
        return (
            f"{self.partner_name}（{self.partner_city}）"
            if self.partner_city
            else self.partner_name
        )


class LinkIssueQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The enterprise's scope, and the issues routed to the user's unit."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        rule = scope_q(user, self.scope_prefix)
        if user.unit_id:
            rule |= Q(unit_id=user.unit_id)
        return self.filter(rule)


class LinkIssue(models.Model):
    """A blocked link raised as a problem, routed to the unit that can act."""

    class State(models.TextChoices):
        OPEN = "open", _("协调中")
        RESOLVED = "resolved", _("已打通")

    link = models.ForeignKey(SupplyLink, on_delete=models.CASCADE, related_name="issues")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("受阻情况"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    resolution = models.TextField(_("打通情况"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = LinkIssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("供应链受阻问题")
        verbose_name_plural = _("供应链受阻问题")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.text[:40]


class CoordinationRequest(models.Model):
    """A request to another city's command centre (协调函), recorded with its answer."""

    class State(models.TextChoices):
        SENT = "sent", _("待回复")
        ANSWERED = "answered", _("已回复")

    issue = models.ForeignKey(LinkIssue, on_delete=models.CASCADE, related_name="requests")
    city = models.CharField(_("协调城市"), max_length=50)
    centre = models.CharField(_("对方指挥部"), max_length=100)
    request = models.TextField(_("协调事项"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.SENT, db_index=True
    )
    answer = models.TextField(_("对方答复"), blank=True)
    answered_by = models.CharField(_("答复人"), max_length=50, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("发出时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("跨市协调")
        verbose_name_plural = _("跨市协调")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.city} {self.centre}"
