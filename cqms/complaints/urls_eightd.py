"""Pages of the 8D report (see views_eightd)."""

from django.urls import path

from . import views_eightd as views

urlpatterns = [
    path("<str:number>/8d/<str:step>/", views.step_card, name="eightd_step"),
    path("<str:number>/8d/<str:step>/save/", views.save_step, name="eightd_save"),
    path("<str:number>/8d/<str:step>/complete/", views.complete_step, name="eightd_complete"),
    path("<str:number>/8d/<str:step>/start/", views.start_step, name="eightd_start"),
    path("<str:number>/8d/<str:step>/reopen/", views.reopen_step, name="eightd_reopen"),
    path(
        "<str:number>/8d/<str:step>/not-applicable/",
        views.not_applicable,
        name="eightd_not_applicable",
    ),
    path("<str:number>/8d/<str:step>/attach/", views.attach, name="eightd_attach"),
    path("<str:number>/8d-rows/<str:kind>/add/", views.add_row, name="eightd_row_add"),
    path("<str:number>/8d-rows/<str:kind>/grid/", views.save_grid, name="eightd_grid"),
    path("<str:number>/8d-rows/<str:kind>/<int:pk>/", views.edit_row, name="eightd_row_edit"),
    path(
        "<str:number>/8d-rows/<str:kind>/<int:pk>/delete/",
        views.delete_row,
        name="eightd_row_delete",
    ),
    path("<str:number>/8d-waiver/", views.request_waiver, name="eightd_waiver"),
    path("<str:number>/investigation/", views.save_investigation, name="eightd_investigation"),
    path("<str:number>/actions/<int:pk>/", views.action_page, name="eightd_action"),
]
