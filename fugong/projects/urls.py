from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/report/", views.project_report, name="report"),
    path("chains/", views.chain_list, name="chains"),
    path("chains/<int:enterprise_pk>/", views.chain_detail, name="chain"),
    path("chains/issues/<int:pk>/", views.issue_detail, name="issue"),
]
