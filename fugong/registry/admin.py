from django.contrib import admin

from fugong.core.admin import AuditedAdmin

from .models import Assignment, Enterprise, EnterpriseAccount, EnterpriseList, ListMembership, Visit


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdmin):
    list_display = ("name", "uscc", "region", "industry", "scale", "total_staff")
    list_filter = ("scale", "industry_section")
    search_fields = ("name", "uscc")
    raw_id_fields = ("region",)


@admin.register(EnterpriseList)
class EnterpriseListAdmin(AuditedAdmin):
    list_display = ("name", "kind")


@admin.register(ListMembership)
class ListMembershipAdmin(AuditedAdmin):
    list_display = ("list", "enterprise", "added_on", "removed_on")
    list_filter = ("list",)
    raw_id_fields = ("enterprise", "added_by", "removed_by")


@admin.register(Assignment)
class AssignmentAdmin(AuditedAdmin):
    list_display = ("enterprise", "leader_name", "department", "township")
    raw_id_fields = ("enterprise", "department", "township")
    filter_horizontal = ("commissioners",)


@admin.register(EnterpriseAccount)
class EnterpriseAccountAdmin(AuditedAdmin):
    list_display = ("user", "enterprise")
    raw_id_fields = ("user", "enterprise")


@admin.register(Visit)
class VisitAdmin(AuditedAdmin):
    list_display = ("visited_on", "enterprise", "commissioner")
    raw_id_fields = ("enterprise", "commissioner")
