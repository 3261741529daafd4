from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Instruction


@admin.register(Instruction)
class InstructionAdmin(SimpleHistoryAdmin):
    list_display = ["text", "item", "author", "created_at", "handled_by", "handled_at"]
    list_filter = ["handled_at", "item__section__plan"]
    search_fields = ["text", "reply", "item__title"]
    list_select_related = ["item", "author", "handled_by"]
    autocomplete_fields = ["item", "author", "handled_by"]
