"""Reading 工作要点 documents into plain dataclasses (no database): see parser.parse_plan."""

from .deadlines import parse_deadline
from .document import (
    ParsedCheckpoint,
    ParsedDeadline,
    ParsedDepartment,
    ParsedItem,
    ParsedPlan,
    ParsedResponsibility,
    ParsedSection,
    ParsedTarget,
    PlanParseError,
    ResponsibilityRole,
    TargetKind,
)
from .parser import MAX_ITEMS, parse_plan, parse_plan_text, parse_source
from .reading import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_CHARACTERS, SourceDocument, read_document, read_source
from .targets import extract_targets

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_DOCUMENT_CHARACTERS",
    "MAX_ITEMS",
    "ParsedCheckpoint",
    "ParsedDeadline",
    "ParsedDepartment",
    "ParsedItem",
    "ParsedPlan",
    "ParsedResponsibility",
    "ParsedSection",
    "ParsedTarget",
    "PlanParseError",
    "ResponsibilityRole",
    "SourceDocument",
    "TargetKind",
    "extract_targets",
    "parse_deadline",
    "parse_plan",
    "parse_plan_text",
    "parse_source",
    "read_document",
    "read_source",
]
