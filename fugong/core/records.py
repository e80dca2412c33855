"""The platform's own records, kept beside the domain models: in-app notifications and the
outbox of e-mails and group-bot posts, attachments, timeline steps, the hash-chained audit log,
job ticks, password history and API tokens. `core.models` re-exports them (Django loads them
from there)."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import TYPE_CHECKING, Never

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from typing import Any

    from .models import User


class Notification(models.Model):
    """An in-app message to one user (reminders, decisions); also the de-duplication record
    of periodic jobs (one reminder per user, kind and day)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    day = models.DateField(_("日期"), default=timezone.localdate)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "kind", "day"])]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One message to send outside the platform — an e-mail to a user or a post to a unit's
    group bot — kept until it is sent (the outbox): the task queue sends it with retries, a
    periodic sweep picks up what a dead worker left, and a sent message is never sent again."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WEBHOOK = "webhook", _("群机器人")
        SMS = "sms", _("短信")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=500)
    webhook_kind = models.CharField(max_length=10, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # bots and SMS (core.bots, core.sms): phones to @mention, an SMS template and its
    # parameters, the receiver's answer, and the message this one was merged into
    mentions = models.JSONField(_("提醒手机号"), default=list, blank=True)
    template = models.CharField(_("短信模板"), max_length=40, blank=True)
    params = models.JSONField(_("模板参数"), default=dict, blank=True)
    response = models.CharField(_("对方应答"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并到"), null=True, blank=True, on_delete=models.SET_NULL
    )

    MAX_ATTEMPTS = 6

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.title}"


class Attachment(models.Model):
    """A file attached to a record (a problem's photos, an application's prevention plan). Who
    may download it follows the owner's data scope (`owner_model.objects.visible_to`)."""

    owner_type = models.CharField(max_length=60)
    owner_id = models.PositiveBigIntegerField()
    file = models.FileField(upload_to="attachments/")  # stored under a generated name
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    # the MIME type the content check found (never the file name's); served with it
    content_type = models.CharField(_("内容类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["owner_type", "owner_id"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        """An image by its content (re-encoded at upload), so shown inline."""
        return self.kind == "image" and self.content_type in (
            "image/jpeg",
            "image/png",
            "image/webp",
        )


class Step(models.Model):
    """One step in the timeline of an application or a pass: who, which unit, when, what, with
    a comment (the record a reviewer and the applicant both see)."""

    owner_type = models.CharField(max_length=60)
    owner_id = models.PositiveBigIntegerField()
    action = models.CharField(_("操作"), max_length=20)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        "core.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]

    def __str__(self) -> str:
        return f"{self.owner_type}#{self.owner_id} {self.action}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> Never:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> Never:
        raise PermissionError("the audit log is append-only")


class AuditLog(models.Model):
    """Append-only record of who created, changed, deleted, imported, exported or viewed what."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        IMPORT = "import", _("导入")
        EXPORT = "export", _("导出")
        VIEW_PERSONAL = "view_personal", _("查看个人信息")
        LOGIN = "login", _("登录")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=40, blank=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    # tamper evidence: each entry's hash covers its content and the previous entry's hash
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)
    # which of the independent chains (settings.FUGONG_AUDIT_CHAINS) the entry is linked into
    chain = models.PositiveSmallIntegerField(default=1, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["chain", "id"], name="audit_chain_order"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Never:
        raise PermissionError("the audit log is append-only")

    def content_hash(self, prev_hash: str) -> str:
        return audit_hash(self, prev_hash)


def audit_hash(entry: AuditLog, prev_hash: str) -> str:
    """SHA-256 over an audit entry's content and the previous entry's hash."""

    body = json.dumps(
        [
            prev_hash,
            entry.at.isoformat(),
            entry.username,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.target_repr,
            entry.detail,
        ],
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


class AuditHead(models.Model):
    """The newest entry of one audit chain (the chain's number is the primary key); its row
    lock orders the writers of that chain."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"#{self.last_id} {self.last_hash[:12]}"


class JobTick(models.Model):
    """The last schedule slot each periodic job ran for (and when a worker last beat): a job
    runs once per slot however many schedulers enqueue it."""

    name = models.CharField(max_length=100, unique=True)
    slot = models.DateTimeField()
    runs = models.PositiveIntegerField(default=1)
    ran_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} {self.slot:%Y-%m-%d %H:%M}"


class PasswordHistory(models.Model):
    """The hashes of a user's earlier passwords (the last five may not be reused)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d}"


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for integrations and devices. Only the hash is stored; the token itself is
    shown once, when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        raw = "fg_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:10], key_hash=_token_hash(raw))
        return token, raw

    @classmethod
    def authenticate(cls, raw: str | None) -> User | None:
        token = (
            # the enterprise account too: a gate device's every request needs its enterprise
            cls.objects.select_related(
                "user", "user__unit__region", "user__enterprise_account__enterprise__region"
            )
            .filter(key_hash=_token_hash(raw or ""), user__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user
