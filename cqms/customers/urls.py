from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("bulk-change/", views.customer_bulk_change, name="bulk_change"),
    path("portals/", views.portal_list, name="portals"),
    path("import/", views.customer_import, name="import"),
    path("import/template/", views.customer_import_template, name="import_template"),
    path("import/<int:job_pk>/commit/", views.customer_import_commit, name="import_commit"),
    path("export/", views.customer_export, name="export"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/void/", views.customer_void, name="void"),
    path("<int:pk>/history/", views.customer_history, name="history"),
    path("<int:pk>/documents/new/", views.document_add, name="document_add"),
    path(
        "<int:pk>/documents/<int:document_pk>/file/",
        views.document_download,
        name="document_download",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/view/",
        views.document_view,
        name="document_view",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/thumbnail/",
        views.document_thumbnail,
        name="document_thumbnail",
    ),
    path("<int:pk>/documents/<int:document_pk>/void/", views.document_void, name="document_void"),
    path("<int:pk>/portals/<int:portal_pk>/checked/", views.portal_checked, name="portal_checked"),
    path("<int:pk>/<str:kind>/new/", views.child_edit, name="child_add"),
    path("<int:pk>/<str:kind>/<int:child_pk>/", views.child_edit, name="child_edit"),
]
