"""The REST API's shapes of leadership instructions."""

from __future__ import annotations

from rest_framework import serializers

from core.api import TextField
from core.people import display_name

from .models import Instruction, InstructionEntry


class InstructionEntrySerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = InstructionEntry
        fields = ["kind", "department", "author", "author_name", "text", "created_at"]

    def get_author_name(self, entry) -> str:
        return display_name(entry.author)


class InstructionSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True)
    entries = InstructionEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Instruction
        fields = ["id", "item", "author", "author_name", "text", "created_at", "departments", "due_date", "state",
                  "is_open", "handled_by", "handled_at", "reply", "closed_by", "closed_at", "entries"]
        read_only_fields = fields

    def get_author_name(self, instruction) -> str:
        return display_name(instruction.author)


class InstructionCreateSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    text = TextField(max_length=2000)
    departments = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=200)
    due_date = serializers.DateField(required=False, allow_null=True)


class InstructionReplySerializer(serializers.Serializer):
    reply = TextField(max_length=2000)


class InstructionConclusionSerializer(serializers.Serializer):
    comment = TextField(max_length=2000, required=False, allow_blank=True)
