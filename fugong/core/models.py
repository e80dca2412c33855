"""Regions, government units, users and their roles, campaigns, API tokens and the audit log."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext_lazy as _

from .campaigns import Campaign, CampaignStamp  # noqa: F401  (models of this app, in their own module)
from .fields import EncryptedCharField
from .validators import validate_phone, validate_region_code


def path_q(path: str, field: str = "path") -> models.Q:
    """The Q of the rows whose `field` holds `path` or a path below it, as a range that a
    B-tree index serves on SQLite and PostgreSQL alike (a `LIKE 'path%'` is not served on
    SQLite, and PostgreSQL's `::text LIKE` misjudged a county's rows: 10.6 ms against 1.7 ms for a
    page of a county's 1,100 enterprises among 100,000). Paths are codes of digits joined by
    "/" (`/22/2224/222401/`), so every path under P sorts in [P, P with its last "/" made "0"):
    "/" is the character just below "0" (byte order; PostgreSQL compares the column in the
    "C" collation, migration core 0019)."""
    return models.Q(**{f"{field}__gte": path, f"{field}__lt": path_end(path)})


def path_end(path: str) -> str:
    """The first path after the subtree of `path` (for hand-written SQL: `p >= path AND p <
    path_end(path)`, as `path_q`)."""
    return path[:-1] + "0"


class Region(models.Model):
    """A node of the administrative tree (GB/T 2260) or a park under a county.

    `path` is the materialised chain of codes ("/220000/222400/222401/") so that a region
    subtree is one indexed prefix query on every database.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县")
        TOWNSHIP = "township", _("街镇")
        PARK = "park", _("园区")

    RANK = {"province": 1, "city": 2, "county": 3, "township": 4, "park": 4}

    code = models.CharField(
        _("行政区划代码"), max_length=12, unique=True, validators=[validate_region_code]
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # compared in the "C" collation on PostgreSQL (migration 0019; `path_q` needs byte order):
    # a migration altering this field must set the collation again, as Django's ALTER TYPE
    # resets it to the database's default
    path = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]

    def __str__(self):
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def clean(self):
        if self.parent_id is None:
            return
        parent = self.parent
        if self.RANK[self.level] <= self.RANK[parent.level]:
            raise ValidationError(
                {
                    "parent": _("上级级别（%(p)s）必须高于本级（%(c)s）")
                    % {"p": parent.get_level_display(), "c": self.get_level_display()}
                }
            )
        if self.level == self.Level.PARK and parent.level not in ("county", "city"):
            raise ValidationError({"parent": _("园区的上级必须是县或市")})
        if self.pk and parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("上级不能是本区划或其下级")})

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.code}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            Region.objects.filter(path_q(old_path)).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", Length(Value(old_path)) + 1))
            )

    def subtree(self):
        return Region.objects.filter(path_q(self.path))

    def path_q(self, field: str = "path") -> models.Q:
        """The Q of the rows whose `field` (a region path, or a lookup ending in one) lies in
        this region's subtree. See `path_q` below."""
        return path_q(self.path, field)

    def subtree_q(self, prefix: str = "") -> models.Q:
        """The Q of the rows located in this region's subtree: `prefix` is the path from the
        model to its region ("" for a model with a `region`, "enterprise__" for rows of an
        enterprise): `Enterprise.objects.filter(region.subtree_q())`."""
        return path_q(self.path, f"{prefix}region__path")

    @property
    def chain_codes(self):
        """The codes from the root region down to this one."""
        return self.path.strip("/").split("/")

    def ancestors(self):
        codes = self.chain_codes[:-1]
        return sorted(Region.objects.filter(code__in=codes), key=lambda r: len(r.path))


class Unit(models.Model):
    """A government unit. `parent` is the escalation path (township → county → city)."""

    class Kind(models.TextChoices):
        COMMAND_CENTRE = "command_centre", _("指挥部/专班")
        DEPARTMENT = "department", _("行业部门")
        TOWNSHIP = "township", _("街镇政府")
        PARK = "park", _("园区管委会")
        CHECKPOINT = "checkpoint", _("卡口")
        BANK = "bank", _("银行")  # a lender in financing matches (融资对接), not the government

    class Sector(models.TextChoices):
        INDUSTRY = "industry", _("工信")
        TRANSPORT = "transport", _("交通运输")
        HUMAN_RESOURCES = "human_resources", _("人力资源和社会保障")
        FINANCE = "finance", _("金融")
        HEALTH = "health", _("卫生健康")
        MARKET = "market", _("市场监管")
        COMMERCE = "commerce", _("商务")
        DEVELOPMENT = "development", _("发展改革")
        ENERGY = "energy", _("能源")
        OTHER = "other", _("其他")

    code = models.CharField(_("单位编码"), max_length=40, unique=True)
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    sector = models.CharField(_("行业"), max_length=20, choices=Sector.choices, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    webhook_kind = models.CharField(
        _("群机器人类型"),
        max_length=10,
        blank=True,
        choices=[("wecom", _("企业微信")), ("dingtalk", _("钉钉")), ("feishu", _("飞书"))],
    )
    webhook_url = models.URLField(_("群机器人地址"), max_length=500, blank=True)
    # DingTalk/Feishu "加签" secret (SEC…), stored encrypted; WeCom bots have none
    webhook_secret = EncryptedCharField(_("群机器人密钥"), blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region__path", "kind", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == self.Kind.DEPARTMENT and not self.sector:
            raise ValidationError({"sector": _("行业部门必须填写行业")})
        if self.parent_id:
            if self.region_id and not self.region.path.startswith(self.parent.region.path):
                raise ValidationError({"parent": _("上级单位的行政区划必须包含本单位的行政区划")})
            seen, node = {self.pk}, self.parent
            while node is not None:
                if node.pk in seen:
                    raise ValidationError({"parent": _("上级单位形成了循环")})
                seen.add(node.pk)
                node = node.parent

    def escalation_chain(self):
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    COMMAND_CENTRE = "command_centre", _("指挥部/专班")
    DEPARTMENT = "department", _("部门人员")
    TOWNSHIP = "township", _("街镇/园区人员")
    COMMISSIONER = "commissioner", _("特派员/联络员")
    ENTERPRISE = "enterprise", _("企业联系人")
    HEALTH_OFFICER = "health_officer", _("企业防疫专员")
    CHECKPOINT = "checkpoint", _("卡口人员")
    BANK = "bank", _("银行客户经理")


UNIT_ROLES = {Role.COMMAND_CENTRE, Role.DEPARTMENT, Role.TOWNSHIP, Role.CHECKPOINT, Role.BANK}
ENTERPRISE_ROLES = {Role.ENTERPRISE, Role.HEALTH_OFFICER}
OUTSIDE_ROLES = ENTERPRISE_ROLES | {Role.BANK}  # accounts that do not work for the government
REGION_SCOPED_ROLES = {Role.COMMAND_CENTRE, Role.DEPARTMENT, Role.TOWNSHIP}
COORDINATING_ROLES = {Role.COMMAND_CENTRE, Role.TOWNSHIP}
NON_REPORTING_ROLES = {Role.DEPARTMENT, Role.CHECKPOINT, Role.BANK}
COUNTY_REVIEWER_ROLES = {Role.COMMAND_CENTRE, Role.DEPARTMENT}
POLICY_ROLES = {Role.COMMAND_CENTRE, Role.DEPARTMENT}
COUNTY_OR_ABOVE = ("province", "city", "county")


class User(AbstractUser):
    """A person with an account. Government users belong to a unit; enterprise users are linked
    to their enterprise by the registry (`registry.EnterpriseAccount`)."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, validators=[validate_phone])
    # No default: whoever creates an account chooses its role (it used to be 系统管理员).
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    totp_secret = models.TextField(_("两步验证密钥（加密）"), blank=True, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self):
        return self.name or self.username

    def clean(self):
        super().clean()
        if self.role in UNIT_ROLES and not self.unit_id:
            raise ValidationError({"unit": _("该角色必须属于一个单位")})

    # --- what the role allows (the one permission vocabulary; see core/permissions.py) ------

    @property
    def is_admin(self) -> bool:
        """Sees and may do everything (an administrator, or the system acting)."""
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def may_report(self) -> bool:
        """May submit daily reports for the enterprises in their scope."""
        return self.is_superuser or self.role not in NON_REPORTING_ROLES

    @property
    def is_government(self) -> bool:
        """Works for the government (any role but an enterprise's own accounts and a bank's)."""
        return self.is_superuser or self.role not in OUTSIDE_ROLES

    @property
    def is_checkpoint(self) -> bool:
        """A checkpoint officer: verifies passes and sees no enterprise data."""
        return self.role == Role.CHECKPOINT

    @property
    def works_on_phone(self) -> bool:
        """Gets the phone layout (compact header, bottom tabs) instead of the desk's side menu:
        enterprise staff, commissioners in the field and checkpoint officers."""
        if self.is_superuser:
            return False
        return self.works_for_enterprise or self.is_commissioner or self.is_checkpoint

    @property
    def sees_figures(self) -> bool:
        """Reads the government's figures and lists of enterprises (not a checkpoint officer,
        who sees no enterprise data)."""
        return self.is_government and (self.is_superuser or self.role != Role.CHECKPOINT)

    @property
    def manages_registry(self) -> bool:
        """Edits enterprises, list members and assignments in their scope; the same units
        coordinate the response there: triage and dispatch problems, merge common problems,
        organise test rounds."""
        return self.is_admin or self.role in COORDINATING_ROLES

    coordinates = manages_registry

    @property
    def creates_lists(self) -> bool:
        """Creates named lists and records what was delivered against any need (command
        centres and administrators)."""
        return self.is_admin or self.role == Role.COMMAND_CENTRE

    @property
    def is_commissioner(self) -> bool:
        """A 包保 commissioner: logs visits and reports for the enterprises assigned to them."""
        return self.role == Role.COMMISSIONER

    @property
    def works_for_enterprise(self) -> bool:
        """One of an enterprise's own accounts (its contact or its health officer)."""
        return self.role in ENTERPRISE_ROLES

    @property
    def is_health_officer(self) -> bool:
        """An enterprise's health officer: sees its staff by name."""
        return self.role == Role.HEALTH_OFFICER

    @property
    def is_region_scoped(self) -> bool:
        """Sees the subtree of their unit's region."""
        return self.role in REGION_SCOPED_ROLES and self.unit_id is not None

    @property
    def reviews_first_step(self) -> bool:
        """Reviews applications at the first step (a township or park officer)."""
        return self.role == Role.TOWNSHIP

    @property
    def reviews_at_county(self) -> bool:
        """Reviews applications at the second step: a command centre or department of a
        county or higher."""
        return (
            self.role in COUNTY_REVIEWER_ROLES
            and self.unit_id is not None
            and self.unit.region.level in COUNTY_OR_ABOVE
        )

    def reviews(self, step: int | None) -> bool:
        """Reviews applications at `step` (1 township, 2 county), data scope aside."""
        if step is None:
            return False
        if self.is_admin:
            return True
        return self.reviews_first_step if step == 1 else self.reviews_at_county

    @property
    def reviews_any_step(self) -> bool:
        return self.is_admin or self.reviews_first_step or self.reviews_at_county

    @property
    def reopens_report_days(self) -> bool:
        """May reopen one enterprise's locked daily-report day (a command centre)."""
        return self.is_admin or self.role == Role.COMMAND_CENTRE

    @property
    def confirms_reports(self) -> bool:
        """Confirms (and corrects) the daily reports of the enterprises in their scope: a
        township or park officer (逐级审核, first level), or a command centre."""
        return self.is_admin or self.role in COORDINATING_ROLES

    @property
    def confirms_townships(self) -> bool:
        """Confirms its townships' confirmed days (逐级审核, county level): a command centre of
        a county or higher."""
        return self.is_admin or (
            self.role == Role.COMMAND_CENTRE
            and self.unit_id is not None
            and self.unit.region.level in COUNTY_OR_ABOVE
        )

    @property
    def issues_passes(self) -> bool:
        """Issues, rejects, revokes and extends transport passes (the transport department)."""
        return self.is_admin or (
            self.role == Role.DEPARTMENT
            and self.unit_id is not None
            and self.unit.sector == Unit.Sector.TRANSPORT
        )

    @property
    def may_issue_policies(self) -> bool:
        """May draft, publish and import relief policies and review their applications (in
        their scope): administrators, command centres and departments."""
        return self.is_admin or self.role in POLICY_ROLES

    @property
    def is_bank(self) -> bool:
        """A bank's account manager: sees only the financing needs shared with the bank."""
        return self.role == Role.BANK and self.unit_id is not None

    @property
    def arranges_financing(self) -> bool:
        """Shares enterprises' financing needs with banks (融资对接): an administrator or an
        officer of a finance department (金融办)."""
        return self.is_admin or (
            self.role == Role.DEPARTMENT
            and self.unit_id is not None
            and self.unit.sector == Unit.Sector.FINANCE
        )

    @property
    def arranges_hiring(self) -> bool:
        """Records vacancy matches and organises charter buses for returning workers: an
        administrator or an officer of a human-resources department (人社)."""
        return self.is_admin or (
            self.role == Role.DEPARTMENT
            and self.unit_id is not None
            and self.unit.sector == Unit.Sector.HUMAN_RESOURCES
        )

    @property
    def arranges_commutes(self) -> bool:
        """Sets up commuter lines (定制公交): an administrator or a transport department."""
        return self.is_admin or (
            self.role == Role.DEPARTMENT
            and self.unit_id is not None
            and self.unit.sector == Unit.Sector.TRANSPORT
        )

    is_system = False

    @property
    def scope_region(self):
        """The region whose subtree this user sees, or None."""
        if self.role in REGION_SCOPED_ROLES and self.unit_id:
            return self.unit.region
        return None


SEVEN_MUSTS = [
    {"key": "responsibility", "label": "企业主体责任必须到位"},
    {"key": "staff_screening", "label": "排查职工信息必须到位"},
    {"key": "disinfection", "label": "消毒防疫检测必须到位"},
    {"key": "mechanism", "label": "疫情防控机制必须到位"},
    {"key": "education", "label": "健康宣传教育必须到位"},
    {"key": "daily_prevention", "label": "日常防控工作必须到位"},
    {"key": "supplies", "label": "物资生产储备必须到位"},
]


# the platform's own records (API tokens too) live in core/records.py; imported at the bottom
# (they are read with this module's models in mind and core.models is what Django loads) so that
# Django registers them
from .mappings import ImportMapping  # noqa: E402, F401
from .records import (  # noqa: E402, F401
    ApiToken,
    Attachment,
    AuditHead,
    AuditLog,
    AuditQuerySet,
    Delivery,
    JobTick,
    Notification,
    PasswordHistory,
    Step,
    audit_hash,
)
