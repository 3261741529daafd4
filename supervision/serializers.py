"""The REST API's shapes of leadership instructions."""

from __future__ import annotations

from rest_framework import serializers

from core.people import display_name

from .models import Instruction


class InstructionSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Instruction
        fields = ["id", "item", "author", "author_name", "text", "created_at", "is_open", "handled_by", "handled_at",
                  "reply"]
        read_only_fields = ["author", "created_at", "handled_by", "handled_at", "reply"]

    def get_author_name(self, instruction) -> str:
        return display_name(instruction.author)


class InstructionCreateSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=2000)


class InstructionReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=2000)
