import re

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import bots, services
from .models import ApiToken, AuditLog, Campaign, Delivery, Region, Unit, User

# Models whose verbose_name is still the English one Django derives from the class name.
MODEL_NAMES = {
    "audithead": _("审计链头"),
    "jobtick": _("定时任务记录"),
    "passwordhistory": _("历史密码"),
    "dailyreportversion": _("日报历史版本"),
    "daystatus": _("企业每日状态"),
    "horizon": _("状态推算进度"),
    "summary": _("填报情况通报"),
    "regionday": _("区划每日汇总"),
    "segmentday": _("行业规模每日汇总"),
    "scaleday": _("规模每日汇总"),
    "listday": _("名单每日汇总"),
    "listdaypending": _("名单汇总待重算"),
    "event": _("工单事件"),
    "enterprisehealth": _("企业防疫设置"),
    "roundenterprise": _("检测轮次企业"),
    "investigationgrant": _("流调授权"),
}
ACTIONS = {"add": _("添加"), "change": _("修改"), "delete": _("删除"), "view": _("查看")}
HAN = re.compile(r"[\u4e00-\u9fff]")


def model_name(label_lower: str) -> str:
    """`core.user` → 用户: the Chinese name of a model (audit object types, permissions)."""
    app_label, _dot, name = label_lower.partition(".")
    try:
        model = apps.get_model(app_label, name)
    except (LookupError, ValueError):
        return label_lower
    verbose = str(model._meta.verbose_name)
    return verbose if HAN.search(verbose) else str(MODEL_NAMES.get(name, verbose))


def permission_label(permission: Permission) -> str:
    """`Can add audit head` → 审计链头 | 可以添加."""
    action, _sep, _rest = permission.codename.partition("_")
    ct = permission.content_type
    name = model_name(f"{ct.app_label}.{ct.model}")
    if action in ACTIONS and permission.name.startswith("Can "):
        return f"{name} | {gettext('可以')}{ACTIONS[action]}"
    return f"{name} | {permission.name}"


class PermissionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


class ChinesePermissionsMixin:
    """The permission pickers of users and groups list permissions in Chinese."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("user_permissions", "permissions"):
            kwargs["form_class"] = PermissionsField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AuditedAdmin(admin.ModelAdmin):
    """Admin changes land in the audit log like every other change."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.audit(
            request.user,
            "update" if change else "create",
            obj,
            detail={"fields": list(form.changed_data), "via": "admin"},
        )

    def delete_model(self, request, obj):
        services.audit(request.user, "delete", obj, detail={"via": "admin"})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.audit(request.user, "delete", obj, detail={"via": "admin"})
        super().delete_queryset(request, queryset)


# labels for the fields of the domain apps whose verbose name is still English
FIELD_LABELS = {
    "created_by": _("创建人"),
    "created_at": _("创建时间"),
    "updated_at": _("更新时间"),
    "version": _("版本号"),
    "order": _("代购订单"),
    "vacancy": _("用工需求"),
    "recorded_by": _("登记人"),
    "line": _("线路"),
    "booked_by": _("预约人"),
    "inspection": _("检查"),
    "item": _("检查项"),
    "qualifications_moved": _("已调整的资格数"),
    "client_key": _("离线提交标识"),
    "project": _("项目"),
    "campaign": _("应急事件"),
    "enterprise": _("企业"),
    "raised_by": _("提出人"),
    "link": _("供应链环节"),
    "issue": _("受阻问题"),
    "resolved_at": _("解决时间"),
    "sent_by": _("发出人"),
    "shared_by": _("推送人"),
}


class DomainAdmin(AuditedAdmin):
    """The admin of a domain app's model: audited, every foreign key a raw id (no select of
    every enterprise or user), the labels Chinese."""

    def __init__(self, model, admin_site):
        self.raw_id_fields = tuple(
            f.name for f in model._meta.concrete_fields if f.is_relation and f.many_to_one
        ) + tuple(f.name for f in model._meta.concrete_fields if f.one_to_one)
        super().__init__(model, admin_site)

    exclude = ("version",)  # the optimistic lock's counter: the services move it

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name, field in form.base_fields.items():
            if name in FIELD_LABELS and not HAN.search(str(field.label or "")):
                field.label = FIELD_LABELS[name]
        return form


def register(model, display, filters=(), search=()):  # noqa: ANN001, ANN201
    """A domain app's model in the admin: its changelist columns, filters and search."""
    attrs = {"list_display": display, "list_filter": filters, "search_fields": search}
    admin.site.register(model, type(f"{model.__name__}Admin", (DomainAdmin,), attrs))


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


class FailingBotFilter(admin.SimpleListFilter):
    """Units whose group bot refused the last message (core.bots.failing_units)."""

    title = _("群机器人")
    parameter_name = "bot"

    def lookups(self, request, model_admin):
        return [("failing", _("发送失败"))]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.filter(pk__in=bots.failing_units().values("pk"))
        return queryset


class UnitForm(forms.ModelForm):
    """The bot's secret is never shown back; a blank field keeps the stored one."""

    webhook_secret = forms.CharField(
        label=_("群机器人密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("钉钉、飞书机器人的加签密钥（SEC…）；留空则保持不变"),
    )

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "kind",
            "sector",
            "region",
            "parent",
            "phone",
            "webhook_kind",
            "webhook_url",
            "webhook_secret",
        ]

    def clean_webhook_secret(self):
        return self.cleaned_data["webhook_secret"] or self.instance.webhook_secret


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    form = UnitForm
    list_display = ("code", "name", "kind", "sector", "region", "parent", "webhook_kind")
    list_filter = ("kind", "sector", FailingBotFilter)
    search_fields = ("code", "name")
    raw_id_fields = ("region", "parent")
    actions = ["test_bot"]

    @admin.action(description=_("发送群机器人测试消息"))
    def test_bot(self, request, queryset):
        for unit in queryset:
            answer = bots.send_test(unit)
            level = messages.SUCCESS if answer.ok else messages.ERROR
            self.message_user(request, f"{unit.code}: {answer.body or answer}", level)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox, read-only: what was sent, what a bot or gateway refused and why."""

    list_display = ("created_at", "channel", "title", "status", "attempts", "last_error")
    list_filter = ("status", "channel", "webhook_kind")
    search_fields = ("title", "last_error", "response")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


@admin.register(User)
class UserAdmin(ChinesePermissionsMixin, AuditedAdmin, BaseUserAdmin):
    add_form = UserCreationForm
    list_display = ("username", "name", "role", "unit", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "name", "phone")
    raw_id_fields = ("unit",)
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("复工平台"),
            {"fields": ("name", "phone", "role", "unit", "must_change_password", "locked_until")},
        ),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("复工平台"), {"fields": ("name", "phone", "role", "unit")}),
    )

    def save_model(self, request, obj, form, change):
        if not change:  # an account an administrator created changes its password at first login
            obj.must_change_password = True
        super().save_model(request, obj, form, change)


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    list_display = ("name", "region", "starts_on", "ends_on", "report_due_time")
    raw_id_fields = ("region",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at")
    readonly_fields = ("prefix", "user", "name", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ChinesePermissionsMixin, BaseGroupAdmin):
    pass


class TargetTypeFilter(admin.SimpleListFilter):
    title = _("对象类型")
    parameter_name = "target_type"

    def lookups(self, request, model_admin):
        types = AuditLog.objects.exclude(target_type="").values_list("target_type", flat=True)
        return sorted(((t, model_name(t)) for t in types.distinct()), key=lambda x: x[1])

    def queryset(self, request, queryset):
        return queryset.filter(target_type=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "target_type_name", "target_repr")
    list_filter = ("action", TargetTypeFilter)
    search_fields = ("username", "target_repr", "target_id")
    date_hierarchy = "at"

    @admin.display(description=_("对象类型"), ordering="target_type")
    def target_type_name(self, entry):
        return model_name(entry.target_type) if entry.target_type else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
