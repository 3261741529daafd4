"""Recognizing a plan's flagship brands (品牌) in its parsed text: pure functions, no database."""

from .recognition import ParsedBrand, recognize_brands

__all__ = ["ParsedBrand", "recognize_brands"]
