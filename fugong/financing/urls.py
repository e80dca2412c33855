from django.urls import path

from . import views

app_name = "financing"
urlpatterns = [
    path("financing/", views.index, name="index"),
    path("financing/new/", views.new_need, name="new"),
    path("financing/totals/", views.totals, name="totals"),
    path("financing/<int:pk>/", views.detail, name="detail"),
    path("financing/<int:pk>/share/", views.share, name="share"),
    path("financing/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("financing/shares/<int:pk>/<str:action>/", views.answer, name="answer"),
]
