from django.urls import path

from . import oversight, views

app_name = "workorders"
urlpatterns = [
    path("problems/", views.my_problems, name="my_problems"),
    path("workorders/", views.queue, name="queue"),
    path("workorders/board/", views.board, name="board"),
    path("workorders/assigned/", views.assigned, name="assigned"),
    path("enterprises/<int:pk>/problems/new/", views.raise_for, name="raise_for"),
    path("workorders/chat/", views.chat_import, name="chat_import"),
    path("workorders/<int:pk>/", views.detail, name="detail"),
    path("workorders/<int:pk>/group/", views.group, name="group"),
    path("workorders/<int:pk>/needs/<int:line>/", views.deliver, name="deliver"),
    path("workorders/groups/", views.groups, name="groups"),
    path("workorders/catalogue/", oversight.catalogue, name="catalogue"),
    path("workorders/scorecard/", oversight.scorecard, name="scorecard"),
    path("workorders/groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("workorders/<int:pk>/<slug:action>/", views.act, name="act"),
]
