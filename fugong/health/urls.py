from django.urls import path

from . import declaring, views

app_name = "health"
urlpatterns = [
    path("health/", views.index, name="index"),
    path("health/roster/", views.roster, name="roster"),
    path("health/roster/new/", views.employee, name="employee_new"),
    path("health/roster/<int:pk>/", views.employee, name="employee"),
    path("health/roster/<int:pk>/link/", declaring.employee_link, name="employee_link"),
    path("health/declarations/", views.declarations, name="declarations"),
    path("health/poster.pdf", declaring.poster, name="poster"),
    path("health/gate/", views.gate, name="gate"),
    path("health/rounds/", views.rounds, name="rounds"),
    path("health/rounds/<int:pk>/", views.round_detail, name="round"),
    path("health/grants/", views.grants, name="grants"),
    path("health/grants/<int:pk>/export.xlsx", views.grant_export, name="grant_export"),
    path("d/<str:code>/", declaring.declare, name="declare"),
    path("p/<str:token>/", declaring.personal, name="personal"),
]
