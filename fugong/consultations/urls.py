from django.urls import path

from . import views

app_name = "consultations"
urlpatterns = [
    path("consultations/", views.index, name="index"),
    path("consultations/lines/new/", views.new_line, name="new_line"),
    path("consultations/lines/<int:pk>/edit/", views.edit_line, name="edit_line"),
    path("consultations/calls/", views.calls, name="calls"),
    path("consultations/calls/new/", views.new_call, name="new_call"),
    path("consultations/calls/<int:pk>/", views.call_detail, name="call"),
]
