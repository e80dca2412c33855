from django.urls import path

from . import oversight, views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("stats/brief.<str:fmt>", views.brief, name="brief"),
    path("stats/brief/push/", views.brief_subscription, name="brief_subscription"),
    path("stats/power/", oversight.power_page, name="power"),
    path("map/", oversight.map_page, name="map"),
    path("map/boundaries/", oversight.upload_boundaries, name="upload_boundaries"),
]
