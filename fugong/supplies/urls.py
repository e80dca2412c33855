from django.urls import path

from . import views

app_name = "supplies"
urlpatterns = [
    path("supplies/", views.index, name="index"),
    path("supplies/new/", views.new_order, name="new"),
    path("supplies/townships/", views.townships, name="townships"),
    path("supplies/<int:pk>/", views.detail, name="detail"),
    path("supplies/<int:pk>/<str:action>/", views.act, name="act"),
]
