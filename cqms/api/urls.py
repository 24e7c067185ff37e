from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from cqms.complaints.api import ComplaintViewSet
from cqms.complaints.api_steps import StepCompleteView, StepView
from cqms.customers.api import ContactViewSet, CustomerViewSet
from cqms.notifications.api import NotificationViewSet

SIGNED_IN = [IsAuthenticated]  # the schema lists no data, but only for our own users
router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("complaints", ComplaintViewSet, basename="complaint")

app_name = "api"
urlpatterns = [
    path("complaints/<str:number>/steps/<str:step>/", StepView.as_view(), name="complaint-step"),
    path(
        "complaints/<str:number>/steps/<str:step>/complete/",
        StepCompleteView.as_view(),
        name="complaint-step-complete",
    ),
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=SIGNED_IN), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=SIGNED_IN),
        name="docs",
    ),
]
