from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("report/", views.report_form, name="report_form"),
    path("enterprises/<int:pk>/report/", views.report_form, name="report_for"),
    path("enterprises/<int:pk>/reports/", views.report_list, name="report_list"),
    path("stats/", views.stats_page, name="stats"),
    path("stats/enterprises/", views.drill_down, name="drill_down"),
    path("completeness/", views.completeness, name="completeness"),
    path("completeness/remind/", views.remind, name="remind"),
    path("reports/confirm/", views.confirm_page, name="confirm"),
    path("reports/<int:pk>/correct/", views.correct_page, name="correct"),
]
