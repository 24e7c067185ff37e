from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cqms.core import views as core_views
from cqms.organisation.views import LoginView

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("healthz/", core_views.health, name="health"),
    path("", include("cqms.organisation.urls")),
    path("customers/", include("cqms.customers.urls")),
    path("complaints/", include("cqms.complaints.urls")),
    path("calendar/", include("cqms.workdays.urls")),
    path("jobs/", include("cqms.jobs.urls")),
    path("audit/", include("cqms.audit.urls")),
    path("approvals/", include("cqms.approvals.urls")),
    path("notifications/", include("cqms.notifications.urls")),
    path("api/v1/", include("cqms.api.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "cqms.core.views.server_error"
