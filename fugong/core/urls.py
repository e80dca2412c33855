from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("regions/", views.region_tree, name="region_tree"),
    path("units/", views.unit_list, name="unit_list"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("inbox/", views.inbox, name="inbox"),
    path("imports/", views.import_index, name="import_index"),
    path("imports/<slug:kind>/", views.import_kind, name="import_kind"),
    path("imports/<slug:kind>/template.xlsx", views.import_template, name="import_template"),
]
