from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("applications/", views.index, name="index"),
    path("applications/new/<slug:kind>/", views.apply, name="apply"),
    path("applications/closed-loop/", views.closed_loop, name="closed_loop"),
    path("applications/<int:pk>/", views.detail, name="detail"),
    path("applications/<int:pk>/edit/", views.edit, name="edit"),
    path("applications/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("verify/certificate/<str:code>/", views.verify, name="verify"),
]
