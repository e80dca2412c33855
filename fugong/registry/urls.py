from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", views.enterprise_edit, name="enterprise_create"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("enterprises/<int:pk>/assignment/", views.assignment_edit, name="assignment_edit"),
    path("enterprises/<int:pk>/visits/", views.visit_create, name="visit_create"),
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("lists/", views.list_index, name="list_index"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path(
        "lists/<int:pk>/members/<int:mid>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
]
