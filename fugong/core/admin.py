from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ApiToken, AuditLog, Campaign, Region, Unit, User


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


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "sector", "region", "parent")
    list_filter = ("kind", "sector")
    search_fields = ("code", "name")
    raw_id_fields = ("region", "parent")


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
