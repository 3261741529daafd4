"""REST API of leadership instructions (批示) and their answers."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.api import ERRORS, IdFilter, form_errors, reference, require
from core.api_viewsets import ReadOnly
from departments.models import Department
from tasks.models import WorkItem

from . import permissions, services
from .forms import InstructionConclusionForm, InstructionForm, InstructionReplyForm
from .models import Instruction, InstructionEntry
from .serializers import (
    InstructionConclusionSerializer,
    InstructionCreateSerializer,
    InstructionReplySerializer,
    InstructionSerializer,
)


class InstructionFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="item__section__plan")
    open = django_filters.BooleanFilter(method="filter_open", label=_("Not answered yet"))

    class Meta:
        model = Instruction
        fields = ["item", "plan", "open", "state"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(state=Instruction.State.OPEN) if value else queryset.exclude(state=Instruction.State.OPEN)


@extend_schema_view(list=extend_schema(responses={200: InstructionSerializer(many=True), **ERRORS}),
                    retrieve=extend_schema(responses={200: InstructionSerializer, **ERRORS}))
class InstructionViewSet(ReadOnly):
    serializer_class = InstructionSerializer
    filterset_class = InstructionFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]
    queryset = Instruction.objects.select_related("author", "closed_by").prefetch_related(
        "departments", Prefetch("entries", queryset=InstructionEntry.objects.select_related("author", "department")))

    @extend_schema(request=InstructionCreateSerializer, responses={201: InstructionSerializer, **ERRORS})
    def create(self, request):
        """A leader's instruction (批示) on an item (leadership)."""
        shape = InstructionCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        item = reference(WorkItem.objects.select_related("section__plan"), shape.validated_data["item"], field="item")
        require(permissions.can_instruct(request.user, item))
        data = shape.validated_data
        form = InstructionForm({"text": data["text"], "departments": data.get("departments", []),
                                "due_date": data.get("due_date")}, item=item)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        instruction = services.instruction_create(item=item, author=request.user, text=form.cleaned_data["text"],
                                                  departments=list(form.cleaned_data["departments"]),
                                                  due_date=form.cleaned_data["due_date"])
        return Response(InstructionSerializer(self.get_queryset().get(pk=instruction.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=InstructionReplySerializer,
                   responses={200: InstructionSerializer, 409: OpenApiResponse(description="Already answered"),
                              **ERRORS})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """Answer an instruction for the responsible department (its people, plan admins)."""
        instruction = get_object_or_404(Instruction.objects.select_related("item__section__plan", "author"), pk=pk)
        require(permissions.can_handle_instruction(request.user, instruction))
        shape = InstructionReplySerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        form = InstructionReplyForm(shape.validated_data)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        department = (Department.objects.filter(pk__in=permissions.instruction_department_ids(instruction),
                                                memberships__user=request.user).order_by("order").first())
        services.instruction_reply(instruction=instruction, user=request.user, text=form.cleaned_data["reply"],
                                   department=department)
        return Response(InstructionSerializer(self.get_queryset().get(pk=instruction.pk)).data)

    def _conclude(self, request, pk, *, close: bool):
        instruction = get_object_or_404(Instruction.objects.select_related("item__section__plan", "author"), pk=pk)
        require(permissions.can_conclude_instruction(request.user, instruction))
        shape = InstructionConclusionSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        decision = InstructionConclusionForm.Decision.CLOSE if close else InstructionConclusionForm.Decision.RETURN
        form = InstructionConclusionForm({"decision": decision, "comment": shape.validated_data.get("comment", "")})
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        conclude = services.instruction_close if close else services.instruction_return
        conclude(instruction=instruction, user=request.user, comment=form.cleaned_data["comment"])
        return Response(InstructionSerializer(self.get_queryset().get(pk=instruction.pk)).data)

    @extend_schema(request=InstructionConclusionSerializer,
                   responses={200: InstructionSerializer, 409: OpenApiResponse(description="Not awaiting confirmation"),
                              **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Confirm an answered instruction is done (办结): its author, leadership, the supervision office."""
        return self._conclude(request, pk, close=True)

    @extend_schema(request=InstructionConclusionSerializer,
                   responses={200: InstructionSerializer, 409: OpenApiResponse(description="Not awaiting confirmation"),
                              **ERRORS})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Return an answered instruction to its departments with what is missing (the comment is required)."""
        return self._conclude(request, pk, close=False)
