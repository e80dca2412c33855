from django.urls import path

from . import views

app_name = "passes"
urlpatterns = [
    path("passes/", views.index, name="index"),
    path("passes/new/", views.apply, name="apply"),
    path("passes/check/", views.check, name="check"),
    path("passes/<int:pk>/", views.detail, name="detail"),
    path("passes/<int:pk>/pass.<str:fmt>", views.document, name="document"),
    path("v/<str:code>/", views.verify, name="verify"),
]
