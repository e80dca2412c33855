"""Staff health screening and site access: the roster, daily declarations, gate checks, test
rounds and investigation grants. ID card numbers and phones are stored encrypted (core.crypto)
with a keyed hash to find them; declarations and gate checks are partitioned by day on
PostgreSQL and removed after the campaign's retention."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core import crypto
from fugong.core.masking import mask_id, mask_name, mask_phone
from fugong.core.models import Campaign, Unit
from fugong.registry.models import Enterprise, ScopedQuerySet


class PersonalData:
    """Decrypted access to the encrypted fields (`id_enc` → `id_number`, `phone_enc` →
    `phone`) and their masks."""

    @property
    def id_number(self):
        return crypto.decrypt(getattr(self, "id_enc", ""))

    @property
    def phone(self):
        return crypto.decrypt(self.phone_enc)

    @property
    def masked_name(self):
        return mask_name(self.name)

    @property
    def masked_id(self):
        return mask_id(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class ShardKeyed:
    """Rows of a per-employee table, distributed by `enterprise_id` on Citus (README, "Citus"):
    the UPDATE of `save()` and `refresh_from_db()` name the enterprise, so they reach one
    shard."""

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):  # noqa: ANN001, ANN202
        base_qs = base_qs.filter(enterprise_id=self.enterprise_id)
        return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):  # noqa: ANN001, ANN201
        if from_queryset is None and "enterprise_id" in self.__dict__:
            from_queryset = type(self)._base_manager.filter(enterprise_id=self.enterprise_id)
        return super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class Employee(ShardKeyed, PersonalData, models.Model):
    """One person on an enterprise's roster."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="employees"
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_enc = models.TextField(editable=False)
    id_hash = models.CharField(max_length=64, editable=False)
    phone_enc = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    department = models.CharField(_("部门"), max_length=50, blank=True)
    lives_on_site = models.BooleanField(_("住厂"), default=False)
    in_bubble = models.BooleanField(_("闭环人员"), default=False)
    active = models.BooleanField(_("在册"), default=True)
    left_bubble_at = models.DateTimeField(_("离开闭环时间"), null=True, blank=True)
    # the personal declaration link: only the keyed hash of its random token (services.links)
    link_hash = models.CharField(max_length=64, editable=False, blank=True)
    link_issued_at = models.DateTimeField(_("申报链接发放时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["department", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "id_hash"], name="one_person_per_roster")
        ]
        indexes = [
            models.Index(fields=["enterprise", "name"]),
            models.Index(fields=["enterprise", "link_hash"], name="employee_link"),
        ]

    def __str__(self):
        return self.masked_name


class EnterpriseHealth(models.Model):
    """An enterprise's health settings: the signed code of its declaration page (the poster's
    QR)."""

    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="health")
    declare_code = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    def __str__(self):
        return str(self.enterprise)


class TestResult(models.TextChoices):
    NONE = "none", _("未检测")
    PENDING = "pending", _("待出结果")
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")


SYMPTOMS = [
    ("fever", _("发热")),
    ("cough", _("咳嗽")),
    ("sore_throat", _("咽痛")),
    ("fatigue", _("乏力")),
    ("taste_smell", _("嗅觉/味觉减退")),
    ("diarrhoea", _("腹泻")),
]


class Declaration(ShardKeyed, models.Model):
    """An employee's daily health declaration: one per person and day, editable that day.
    Partitioned by `day` on PostgreSQL (primary key id + day)."""

    # no database-level foreign keys: on PostgreSQL the table is partitioned by day (the ORM
    # still cascades deletes)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="declarations", db_constraint=False
    )
    day = models.DateField(_("日期"))
    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("症状"), default=list, blank=True)
    risk_area = models.BooleanField(_("本人或同住人到过风险地区"), default=False)
    contact = models.BooleanField(_("接触过确诊或疑似病例"), default=False)
    test_result = models.CharField(
        _("核酸/抗原结果"), max_length=8, choices=TestResult.choices, default=TestResult.NONE
    )
    abnormal = models.BooleanField(_("异常"), default=False)
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("健康申报")
        verbose_name_plural = _("健康申报")
        constraints = [
            # enterprise first: Citus needs the distribution column in every unique key
            models.UniqueConstraint(
                fields=["enterprise", "employee", "day"], name="one_declaration_a_day"
            )
        ]
        indexes = [models.Index(fields=["enterprise", "day"])]

    def __str__(self):  # no personal data: this is what the audit log records
        return f"#{self.pk} {self.day}"


class GateCheck(ShardKeyed, PersonalData, models.Model):
    """One passage at an enterprise's gate, admitted or refused. Partitioned by `day` on
    PostgreSQL."""

    class Direction(models.TextChoices):
        IN = "in", _("进")
        OUT = "out", _("出")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField(_("日期"))
    at = models.DateTimeField(_("时间"))
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    employee = models.ForeignKey(
        Employee,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="gate_checks",
        db_constraint=False,
    )
    # a visitor
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    came_from = models.CharField(_("来自"), max_length=100, blank=True)
    host = models.CharField(_("被访人"), max_length=50, blank=True)
    reason = models.CharField(_("事由"), max_length=100, blank=True)

    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1, null=True)
    mask = models.BooleanField(_("佩戴口罩"), default=True)
    admitted = models.BooleanField(_("放行"), default=True)
    refusal = models.CharField(_("拒绝原因"), max_length=200, blank=True)
    guard = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    device = models.CharField(_("设备"), max_length=60, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("门岗记录")
        verbose_name_plural = _("门岗记录")
        indexes = [models.Index(fields=["enterprise", "day"])]

    def __str__(self):
        return f"#{self.pk} {self.day}"

    @property
    def is_visitor(self):
        return self.employee_id is None


class TestRound(models.Model):
    """A round of testing a township or park opens for enterprises in its area."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT)
    day = models.DateField(_("采样日期"))
    title = models.CharField(_("名称"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检测轮次")
        verbose_name_plural = _("检测轮次")
        ordering = ["-day", "-id"]

    def __str__(self):
        return f"{self.title} {self.day}"


class RoundEnterprise(ShardKeyed, models.Model):
    """An enterprise's part of a test round: how many of its staff were sampled (named from
    the roster, or counted) and the results."""

    round = models.ForeignKey(TestRound, on_delete=models.CASCADE, related_name="parts")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    staff = models.PositiveIntegerField(_("应检人数"), default=0)
    sampled = models.PositiveIntegerField(_("已采样"), default=0)
    positive = models.PositiveIntegerField(_("阳性"), default=0)
    pending = models.PositiveIntegerField(_("待出结果"), default=0)
    sampled_ids = models.JSONField(default=list, blank=True)  # roster ids when named
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "enterprise"], name="one_part_per_round")
        ]

    def __str__(self):
        return f"{self.round} {self.enterprise}"


class InvestigationGrant(models.Model):
    """A health officer lets one government user export the named declarations of the
    enterprise for an investigation (流调), until a time; every use is audited."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    granted_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("事由"), max_length=200)
    start = models.DateField(_("起"))
    end = models.DateField(_("止"))
    expires_at = models.DateTimeField(_("有效至"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    def __str__(self):
        return f"#{self.pk} {self.enterprise} → {self.granted_to}"
