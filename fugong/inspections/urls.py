from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("inspections/sw.js", views.service_worker, name="service_worker"),
    path("inspections/plans/", views.plan_list, name="plans"),
    path("inspections/plans/new/", views.plan_create, name="plan_create"),
    path("inspections/plans/<int:pk>/", views.plan_detail, name="plan"),
    path("inspections/mine/", views.mine, name="mine"),
    path("inspections/figures/", views.figures_page, name="figures"),
    path("inspections/rectifications/", views.rectification_list, name="rectifications"),
    path(
        "inspections/rectifications/<int:pk>/report/",
        views.rectification_report,
        name="rectification_report",
    ),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/inspect/", views.inspect, name="inspect"),
    path("inspections/<int:pk>/reinspect/", views.reinspect, name="reinspect"),
]
