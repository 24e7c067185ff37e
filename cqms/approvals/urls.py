from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.my_approvals, name="mine"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("<int:pk>/", views.instance_detail, name="instance"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/urge/", views.urge, name="urge"),
    path("start/<str:kind>/<int:object_id>/", views.start, name="start"),
]
