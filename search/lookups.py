"""How one search term is compared with one text column, chosen for what the database can serve.

- A term of three characters or more is compared with LIKE (no letter case: Chinese, digits) or,
  on PostgreSQL, ILIKE (it has letters): the trigram indexes of search/migrations serve both.
- A shorter term (most Chinese words are two characters) has no trigram to look up: an index scan
  would read every entry of the index and check every row again, slower than reading the table.
  It is compared with STRPOS (INSTR on SQLite), which no index claims and which reads a row faster
  than LIKE does.

The same rows match whichever way is taken: a term is found where it occurs, whatever its case.
"""

from __future__ import annotations

from django.db.models import CharField, F, Q, TextField, Value
from django.db.models.functions import Lower, StrIndex
from django.db.models.lookups import GreaterThan, IContains

TRIGRAM = 3  # pg_trgm's unit: a term shorter than this gives the index nothing to look up


@CharField.register_lookup
@TextField.register_lookup
class TrigramIContains(IContains):
    """icontains as the trigram index serves it: `column ILIKE '%term%'` on PostgreSQL (Django's own
    icontains compares UPPER(column), which an index on the column does not serve)."""

    lookup_name = "trigram_icontains"

    def get_rhs_op(self, connection, rhs):
        if connection.vendor == "postgresql":
            return f"ILIKE {rhs}"
        return connection.operators["icontains"] % rhs  # elsewhere Django's own icontains


def has_case(term: str) -> bool:
    return term.lower() != term.upper()


def term_in(field: str, term: str) -> Q:
    """`term` occurs in `field` (case-insensitively)."""
    if len(term) >= TRIGRAM:
        return Q(**{f"{field}__{'trigram_icontains' if has_case(term) else 'contains'}": term})
    if has_case(term):
        return Q(GreaterThan(StrIndex(Lower(F(field)), Value(term.lower())), 0))
    return Q(GreaterThan(StrIndex(F(field), Value(term)), 0))
