"""/api/v1/: the endpoints of each app, the OpenAPI schema, its docs page, and tokens."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import include, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import parsers, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.views import APIView
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from core.api import ERRORS
from dashboard.api import PlanRollupView, WorkItemViewSet
from departments.api import DepartmentViewSet
from departments.services import api_token_issue
from progress.api import EvidenceViewSet, ReportViewSet
from supervision.api import InstructionViewSet
from tasks.api import PlanViewSet, SectionViewSet, TargetViewSet


class TokenRequestSerializer(AuthTokenSerializer):
    """A username and password, a name no longer than a user's may be: as the log-in form, a longer one is
    refused on its field before it reaches authentication (and django-axes' record of the failure, whose
    column holds 255 characters)."""

    username = serializers.CharField(
        label=AuthTokenSerializer._declared_fields["username"].label, write_only=True,
        max_length=get_user_model()._meta.get_field("username").max_length)


class TokenView(APIView):
    """A new API token for a username and password (counted by the log-in lock-out).

    Each call issues another token (one per device or script), shown once; it expires
    settings.API_TOKEN_DAYS later. The person lists and revokes theirs at /accounts/api-tokens/.
    """

    # The session only (a browser's POST must carry its CSRF token); no token authentication: a
    # client whose old token expired still asks for a new one with its password.
    authentication_classes = (SessionAuthentication,)
    permission_classes = ()
    throttle_classes = ()
    parser_classes = (parsers.FormParser, parsers.MultiPartParser, parsers.JSONParser)
    serializer_class = TokenRequestSerializer

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField(),
                                             "expires": serializers.DateTimeField()}),
            400: OpenApiResponse(description="Wrong username or password"),
            415: ERRORS[415],
            429: OpenApiResponse(description="Locked out after too many failed log-ins"),
        }
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # django-axes marks the request it refused (or whose failure reached the limit); the
            # serializer only sees "no user" and would answer 400 like a wrong password.
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
                return Response(
                    {"detail": _("Too many failed log-ins: this account is locked at your address for %(minutes)d "
                                 "minutes.") % {"minutes": minutes}},
                    status=429, headers={"Retry-After": str(minutes * 60)},
                )
            raise
        token, key = api_token_issue(user=serializer.validated_data["user"], request=request)
        return Response({"token": key, "expires": serializers.DateTimeField().to_representation(token.expiry)})


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
