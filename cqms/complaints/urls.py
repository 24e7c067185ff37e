from django.urls import path

from . import urls_answers, urls_eightd, urls_statistics, views

app_name = "complaints"
urlpatterns = [
    *urls_statistics.urlpatterns,  # fixed paths such as statistics/ before <number>/
    *urls_answers.urlpatterns,
    *urls_eightd.urlpatterns,
    path("", views.register, name="register"),
    path("new/", views.create, name="create"),
    path("new/recurrence/", views.recurrence, name="recurrence"),
    path("new/contacts/", views.intake_contacts, name="intake_contacts"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/history/", views.history, name="history"),
    path(
        "<str:number>/attachments/<int:pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<str:number>/attachments/<int:pk>/view/",
        views.attachment_view,
        name="attachment_view",
    ),
    path(
        "<str:number>/attachments/<int:pk>/thumbnail/",
        views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path("<str:number>/forms/<str:name>/", views.panel_form, name="panel_form"),
    path("<str:number>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<str:number>/hand-over/", views.hand_over, name="hand_over"),
    path("<str:number>/pause/", views.pause, name="pause"),
    path("<str:number>/resume/<str:clock>/", views.resume, name="resume"),
    path("<str:number>/cancel/", views.cancel, name="cancel"),
]
