"""Problems and needs as work orders (派工单): intake, dispatch to a unit, deadlines,
escalation (督办), resolution and the enterprise's feedback, with a timeline of every event."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign, Unit
from fugong.registry.models import Enterprise, ScopedQuerySet, scope_q


class Category(models.Model):
    """A kind of problem; `sector` names the kind of department that usually solves it."""

    code = models.SlugField(_("编码"), unique=True)
    name = models.CharField(_("类别"), max_length=50)
    sector = models.CharField(_("主管行业"), max_length=20, choices=Unit.Sector.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class State(models.TextChoices):
    NEW = "new", _("新提交")
    TRIAGED = "triaged", _("已分类")
    DISPATCHED = "dispatched", _("已派发")
    RETURNED = "returned", _("退单待审")
    ACCEPTED = "accepted", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    WAITING = "waiting", _("待企业答复")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已关闭")
    REOPENED = "reopened", _("已重新打开")


OPEN_STATES = (
    State.NEW,
    State.TRIAGED,
    State.DISPATCHED,
    State.RETURNED,
    State.ACCEPTED,
    State.IN_PROGRESS,
    State.WAITING,
    State.REOPENED,
)


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    HIGH = "high", _("紧急")
    URGENT = "urgent", _("特急")


class Channel(models.TextChoices):
    H5 = "h5", _("企业提交")
    REPORT = "report", _("企业日报")
    COMMISSIONER = "commissioner", _("特派员代报")
    HOTLINE = "hotline", _("热线/代帮办")
    API = "api", _("接口")
    CHAT = "chat", _("群聊导入")


class ProblemGroup(models.Model):
    """A common problem (共性问题): similar orders worked and resolved as one."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("共性问题"), max_length=200)
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("共性问题")
        verbose_name_plural = _("共性问题")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class WorkOrderQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The enterprise scope, and the orders the user's unit assists on (协办): an assisting
        unit sees the order it helps with even outside its region, and nothing else there."""
        scope = scope_q(user, self.scope_prefix)
        unit_id = getattr(user, "unit_id", None) if getattr(user, "is_government", False) else None
        if unit_id and user.is_active:
            assists = self.model._meta.get_field("assists").related_model.objects
            scope |= models.Q(pk__in=assists.filter(unit=unit_id).values("order"))
        return self.filter(scope)


class WorkOrder(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="work_orders"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="work_orders"
    )
    text = models.TextField(_("问题描述"))
    channel = models.CharField(_("来源"), max_length=12, choices=Channel.choices)
    source = models.CharField(_("来源记录"), max_length=60, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT
    )
    group = models.ForeignKey(
        ProblemGroup,
        verbose_name=_("共性问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    proposed_label = models.CharField(_("建议类别"), max_length=50, blank=True)
    proposed_confidence = models.FloatField(_("建议置信度"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    priority = models.CharField(
        _("优先级"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.NEW, db_index=True
    )
    # the deadline of what is expected next: the sign-for until the unit signs, then handling
    deadline = models.DateTimeField(_("办理时限"), null=True, blank=True)
    sign_deadline = models.DateTimeField(_("签收时限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    # waiting for the enterprise's answer stops the clock; the deadline moves on by the pause
    paused_since = models.DateTimeField(_("暂停计时自"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计暂停（秒）"), default=0)
    extensions = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    redos = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    visit_deadline = models.DateTimeField(_("回访时限"), null=True, blank=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    visit_resolved = models.BooleanField(_("回访：问题已解决"), null=True, blank=True)
    visit_satisfied = models.BooleanField(_("回访：企业满意"), null=True, blank=True)
    visit_comment = models.CharField(_("回访意见"), max_length=500, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    escalations = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    beyond_local = models.BooleanField(_("超出本级权限"), default=False)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "state"]),
            models.Index(fields=["unit", "state"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.enterprise}"

    def get_absolute_url(self):
        return reverse("workorders:detail", args=[self.pk])

    @property
    def undelivered_needs(self):
        """The need lines with less delivered than requested."""
        return [n for n in self.needs.all() if n.delivered < n.requested]

    @property
    def is_open(self):
        return self.state in OPEN_STATES


class NeedLine(models.Model):
    """What is needed, and what was delivered against it."""

    class Kind(models.TextChoices):
        MASKS = "masks", _("口罩")
        DISINFECTANT = "disinfectant", _("消毒液")
        THERMOMETERS = "thermometers", _("体温计")
        WORKERS = "workers", _("用工")
        LOANS = "loans", _("贷款/资金")
        OTHER = "other", _("其他")

    UNITS = {
        "masks": "只",
        "disinfectant": "吨",
        "thermometers": "个",
        "workers": "人",
        "loans": "万元",
    }

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("物资/需求"), max_length=14, choices=Kind.choices)
    label = models.CharField(_("名称"), max_length=50, blank=True)
    unit = models.CharField(_("单位"), max_length=10)
    requested = models.DecimalField(_("需求数量"), max_digits=14, decimal_places=2)
    delivered = models.DecimalField(_("已解决数量"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("需求明细")
        verbose_name_plural = _("需求明细")

    def __str__(self):
        return f"{self.get_kind_display()} {self.requested}{self.unit}"


ACTION_LABELS = {
    "create": _("提交"),
    "triage": _("分类"),
    "dispatch": _("派发"),
    "return": _("退单"),
    "rule_return": _("审核退单"),
    "request_extension": _("申请延期"),
    "decide_extension": _("审核延期"),
    "approve_extension": _("同意延期"),
    "reject_extension": _("驳回延期"),
    "add_assist": _("发起协办"),
    "reply_assist": _("协办答复"),
    "visit_back": _("回访"),
    "redo": _("重办"),
    "ask": _("询问企业（暂停计时）"),
    "answer": _("企业答复（恢复计时）"),
    "uphold_return": _("同意退单并改派"),
    "reject_return": _("驳回退单"),
    "accept": _("签收"),  # the timeline of orders signed for before `sign` had its name
    "sign": _("签收"),
    "start": _("开始办理"),
    "resolve": _("办结"),
    "close": _("确认关闭"),
    "reopen": _("重新打开"),
    "escalate": _("督办"),
    "remind": _("临期提醒"),
    "autoclose": _("自动关闭"),
    "edit_group": _("修改共性问题"),
    "group": _("并入共性问题"),
    "split": _("移出共性问题"),
    "deliver": _("登记解决数量"),
}


class Event(models.Model):
    """One step of a work order's timeline: who, when, what, with a comment."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.order_id} {self.action}"

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def to_state_label(self):
        return State(self.to_state).label if self.to_state else ""


class ChatSender(models.Model):
    """Who a chat-group sender is: the officer's mapping from a display name to an enterprise."""

    name = models.CharField(_("群昵称"), max_length=100, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("群成员对应")
        verbose_name_plural = _("群成员对应")

    def __str__(self):
        return f"{self.name} → {self.enterprise}"
