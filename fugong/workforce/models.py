"""Workers and their commute (用工与通勤): vacancies and the matches that fill them (local
hiring, transfers between enterprises, returning workers); returning workers' travel demands
grouped into charter buses with the subsidy paid per enterprise; commuter lines (定制公交)
with stops, timetable, capacity and the enterprises they serve, and seat bookings. A bubble
enterprise's bus goes only between its site and its lodging (`Bubble`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Region
from fugong.registry.models import Enterprise, ScopedQuerySet, scope_q


class Vacancy(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("招聘中")
        FILLED = "filled", _("已招满")
        CLOSED = "closed", _("已关闭")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="vacancies"
    )
    post = models.CharField(_("岗位"), max_length=100)
    number = models.PositiveIntegerField(_("需求人数"))
    pay = models.CharField(_("薪酬"), max_length=50, help_text=_("如：4500–6000 元/月"))
    place = models.CharField(_("工作地点"), max_length=200)
    lodging = models.BooleanField(_("提供住宿"), default=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("用工需求")
        verbose_name_plural = _("用工需求")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.enterprise} {self.post} {self.number}"


class MatchQuerySet(ScopedQuerySet):
    scope_prefix = "vacancy__enterprise__"


class Match(models.Model):
    """Workers found for a vacancy, recorded by the human-resources department."""

    class Kind(models.TextChoices):
        LOCAL = "local", _("本地招聘")
        TRANSFER = "transfer", _("企业间调剂")
        RETURNING = "returning", _("返岗务工人员")

    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="matches")
    kind = models.CharField(_("来源"), max_length=10, choices=Kind.choices)
    workers = models.PositiveIntegerField(_("人数"))
    from_enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("调出企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("用工对接")
        verbose_name_plural = _("用工对接")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.vacancy_id} {self.get_kind_display()} {self.workers}"


class Bubble(models.Model):
    """A closed-loop enterprise's two places: the site and the staff's lodging."""

    enterprise = models.OneToOneField(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="bubble"
    )
    site = models.CharField(_("厂区"), max_length=100)
    lodging = models.CharField(_("住宿点"), max_length=100)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("闭环点位")
        verbose_name_plural = _("闭环点位")

    def __str__(self):
        return f"{self.site} ⇄ {self.lodging}"


class RegionalQuerySet(models.QuerySet):
    """Buses and lines: officers see their region's subtree and the regions above; an
    enterprise sees those that carry its workers (`enterprise_path`)."""

    enterprise_path = ""

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        region = user.scope_region
        if region is not None:
            return self.filter(region.subtree_q() | Q(region__code__in=region.chain_codes))
        served = Enterprise.objects.filter(scope_q(user)).values("pk")
        return self.filter(**{f"{self.enterprise_path}__in": served}).distinct()


class BusQuerySet(RegionalQuerySet):
    enterprise_path = "demands__enterprise"


class CharterBus(models.Model):
    """A charter bus for returning workers, point to point (包车)."""

    region = models.ForeignKey(Region, verbose_name=_("组织区划"), on_delete=models.PROTECT)
    origin = models.CharField(_("出发地"), max_length=100)
    destination = models.CharField(_("目的地"), max_length=100)
    departs_on = models.DateField(_("发车日期"))
    seats = models.PositiveSmallIntegerField(_("座位数"))
    plate = models.CharField(_("车牌号"), max_length=10, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = BusQuerySet.as_manager()

    class Meta:
        verbose_name = _("返岗包车")
        verbose_name_plural = _("返岗包车")
        ordering = ["-departs_on", "-id"]

    def __str__(self):
        return f"{self.departs_on} {self.origin}→{self.destination}"


class TravelDemand(models.Model):
    """An enterprise's returning workers: from where, how many, when; grouped onto a bus,
    with the subsidy paid to the enterprise for them."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="travel_demands"
    )
    origin = models.CharField(_("出发地"), max_length=100)
    workers = models.PositiveSmallIntegerField(_("人数"))
    travel_on = models.DateField(_("返岗日期"))
    bus = models.ForeignKey(
        CharterBus,
        verbose_name=_("包车"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands",
    )
    subsidy = models.DecimalField(
        _("包车补贴（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("返岗需求")
        verbose_name_plural = _("返岗需求")
        ordering = ["travel_on", "id"]

    def __str__(self):
        return f"{self.enterprise} {self.origin} {self.workers}"


class LineQuerySet(RegionalQuerySet):
    enterprise_path = "enterprises"


class CommuterLine(models.Model):
    """A commuter line (定制公交): stops in order, departure times, seats per run, the
    enterprises it serves. A bubble line serves one closed-loop enterprise between its site
    and its lodging only."""

    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.PROTECT)
    name = models.CharField(_("线路名称"), max_length=100, unique=True)
    stops = models.JSONField(_("站点"), default=list)
    departures = models.JSONField(_("发车时间"), default=list)
    capacity = models.PositiveSmallIntegerField(_("每班座位数"))
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("服务企业"), related_name="commuter_lines"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = LineQuerySet.as_manager()

    class Meta:
        verbose_name = _("定制公交线路")
        verbose_name_plural = _("定制公交线路")
        ordering = ["name"]

    def __str__(self):
        return self.name


class SeatBooking(models.Model):
    line = models.ForeignKey(CommuterLine, on_delete=models.CASCADE, related_name="bookings")
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="seat_bookings"
    )
    day = models.DateField(_("乘车日期"))
    departure = models.CharField(_("班次"), max_length=5)
    seats = models.PositiveSmallIntegerField(_("座位数"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("座位预约")
        verbose_name_plural = _("座位预约")
        ordering = ["day", "departure", "id"]

    def __str__(self):
        return f"{self.line} {self.day} {self.departure} {self.seats}"
