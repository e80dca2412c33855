from django.urls import path

from . import views

app_name = "workforce"
urlpatterns = [
    path("workforce/", views.index, name="index"),
    path("workforce/vacancies/new/", views.new_vacancy, name="new_vacancy"),
    path("workforce/vacancies/<int:pk>/", views.vacancy, name="vacancy"),
    path("workforce/vacancies/<int:pk>/match/", views.match, name="match"),
    path("workforce/travel/new/", views.new_travel, name="new_travel"),
    path("workforce/bubble/", views.bubble, name="bubble"),
    path("workforce/buses/", views.buses, name="buses"),
    path("workforce/buses/<int:pk>/", views.bus, name="bus"),
    path("workforce/lines/", views.lines, name="lines"),
    path("workforce/lines/<int:pk>/", views.line, name="line"),
]
