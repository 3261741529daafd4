"""/api/v1/: the endpoints of each app, the OpenAPI schema, its docs page, and tokens."""

from django.urls import include, path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from core.api import ERRORS
from dashboard.api import PlanRollupView, WorkItemViewSet
from departments.api import DepartmentViewSet
from progress.api import EvidenceViewSet, ReportViewSet
from supervision.api import InstructionViewSet
from tasks.api import PlanViewSet, SectionViewSet, TargetViewSet


class TokenView(ObtainAuthToken):
    """A user's API token for their username and password (counted by the log-in lock-out)."""

    @extend_schema(
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong username or password"),
            415: ERRORS[415],
            429: OpenApiResponse(description="Locked out after too many failed log-ins"),
        }
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


router = DefaultRouter()
router.register("plans", PlanViewSet, basename="plan")
router.register("sections", SectionViewSet, basename="section")
router.register("items", WorkItemViewSet, basename="item")
router.register("targets", TargetViewSet, basename="target")
router.register("reports", ReportViewSet, basename="report")
router.register("instructions", InstructionViewSet, basename="instruction")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("departments", DepartmentViewSet, basename="department")

app_name = "api"
urlpatterns = [
    path("plans/<int:pk>/rollup/", PlanRollupView.as_view(), name="plan-rollup"),
    path("", include(router.urls)),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the pages' CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
