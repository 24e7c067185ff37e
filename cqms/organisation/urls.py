from django.urls import path

from . import views

app_name = "organisation"
urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/api-token/", views.api_token, name="api_token"),
    path("me/delegations/", views.delegations, name="delegations"),
    path("me/delegations/<int:pk>/revoke/", views.revoke_delegation, name="revoke_delegation"),
    path("organisation/", views.organisation_chart, name="chart"),
    path("organisation/users/search/", views.user_search, name="user_search"),
]
