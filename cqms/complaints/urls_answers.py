from django.urls import path

from . import views_answers as views

# Fixed paths (tracking/, import/, verdict/ …) come before the complaint number patterns.
urlpatterns = [
    path("export/", views.register_export, name="export"),
    path("tracking/", views.tracking, name="tracking"),
    path("tracking/export/", views.tracking_export, name="tracking_export"),
    path("import/", views.import_complaints, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:job_pk>/commit/", views.import_commit, name="import_commit"),
    # The customer's private pages: no account needed (see views_answers).
    path("verdict/", views.verdict, name="verdict"),
    path("verdict/<str:token>/", views.verdict_start, name="verdict_start"),
    path("<str:number>/report.pdf", views.report_pdf, name="report_pdf"),
    path("<str:number>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("<str:number>/report-form.xlsx", views.report_form, name="report_form"),
    path("<str:number>/answers/send/", views.send_answer, name="send_answer"),
    path("<str:number>/answers/<int:version>/report.pdf", views.answer_pdf, name="answer_pdf"),
    path("<str:number>/answers/<int:version>/report.xlsx", views.answer_xlsx, name="answer_xlsx"),
    path(
        "<str:number>/answers/<int:version>/report-form.xlsx",
        views.answer_form,
        name="answer_form",
    ),
    path("<str:number>/answers/<int:version>/link/", views.create_link, name="create_link"),
    path(
        "<str:number>/answers/<int:version>/verdict/", views.record_verdict, name="record_verdict"
    ),
]
