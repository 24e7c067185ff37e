from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("check-worker/", views.check_worker, name="check_worker"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/result/", views.download, name="download"),
]
