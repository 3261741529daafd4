"""Reading 工作要点 documents into plain dataclasses (no database): see parser.parse_plan."""

from .document import (
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
from .parser import parse_plan, parse_plan_text
from .reading import MAX_DOCUMENT_BYTES, read_document
from .targets import extract_targets

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "ParsedDepartment",
    "ParsedItem",
    "ParsedPlan",
    "ParsedResponsibility",
    "ParsedSection",
    "ParsedTarget",
    "PlanParseError",
    "ResponsibilityRole",
    "TargetKind",
    "extract_targets",
    "parse_plan",
    "parse_plan_text",
    "read_document",
]
