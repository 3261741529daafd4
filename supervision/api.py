"""REST API of leadership instructions (批示) and their answers."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.api import ERRORS, IdFilter, form_errors, reference, require
from core.api_viewsets import ReadOnly
from tasks.models import WorkItem

from . import permissions, services
from .forms import InstructionForm, InstructionReplyForm
from .models import Instruction
from .serializers import (
    InstructionCreateSerializer,
    InstructionReplySerializer,
    InstructionSerializer,
)


class InstructionFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="item__section__plan")
    open = django_filters.BooleanFilter(field_name="handled_at", lookup_expr="isnull", label=_("Not answered yet"))

    class Meta:
        model = Instruction
        fields = ["item", "plan", "open"]


@extend_schema_view(list=extend_schema(responses={200: InstructionSerializer(many=True), **ERRORS}),
                    retrieve=extend_schema(responses={200: InstructionSerializer, **ERRORS}))
class InstructionViewSet(ReadOnly):
    serializer_class = InstructionSerializer
    filterset_class = InstructionFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]
    queryset = Instruction.objects.select_related("author")

    @extend_schema(request=InstructionCreateSerializer, responses={201: InstructionSerializer, **ERRORS})
    def create(self, request):
        """A leader's instruction (批示) on an item (leadership)."""
        shape = InstructionCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        item = reference(WorkItem.objects.select_related("section__plan"), shape.validated_data["item"], field="item")
        require(permissions.can_instruct(request.user, item))
        form = InstructionForm({"text": shape.validated_data["text"]})
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        instruction = services.instruction_create(item=item, author=request.user, text=form.cleaned_data["text"])
        return Response(InstructionSerializer(instruction).data, status=status.HTTP_201_CREATED)

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
        instruction = services.instruction_handle(instruction=instruction, user=request.user,
                                                  reply=form.cleaned_data["reply"])
        return Response(InstructionSerializer(instruction).data)
