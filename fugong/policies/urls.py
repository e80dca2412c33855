from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("policies/", views.library, name="library"),
    path("policies/new/", views.new_policy, name="new"),
    path("policies/<int:pk>/", views.detail, name="detail"),
    path("policies/<int:pk>/edit/", views.edit_policy, name="edit"),
    path("policies/<int:pk>/matches/", views.matches, name="matches"),
    path("policies/<int:pk>/apply/", views.apply, name="apply"),
    path("policy-applications/", views.application_list, name="applications"),
    path("policy-applications/<int:pk>/", views.application, name="application"),
]
