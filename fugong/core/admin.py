from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.translation import gettext_lazy as _

from . import bots, services
from .models import ApiToken, AuditLog, Campaign, Delivery, Region, Unit, User


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
class UserAdmin(AuditedAdmin, BaseUserAdmin):
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


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("username", "target_repr", "target_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
