"""Chinese-aware free-text search of complaints.

A run of Chinese characters has no spaces, so neither word indexes nor trigrams
(for two-character words) help. The column ``search_bigrams`` holds every
two-character gram of the description, demand and place (migration 0001, GIN index);
a query asks for all grams of the term (``@>``, served by the index) and rechecks
with ``LIKE``, so a match is always a real substring.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet


def bigrams(text: str) -> list[str]:
    """Grams of two letters/digits/Chinese characters, lowercased, distinct.

    A subset of what the SQL function stores for the same text (it also keeps grams
    with symbols), so a term's grams are always found in a matching row.
    """
    text = text.lower()
    grams = {text[i : i + 2] for i in range(len(text) - 1)}
    return sorted(g for g in grams if g.isalnum())


def filter_text(qs: QuerySet, term: str) -> QuerySet:
    term = term.strip()
    grams = bigrams(term)
    if grams:
        qs = qs.filter(search_bigrams__contains=grams)
    if len(term) == 2 and grams == [term.lower()]:
        # A two-character word is one bigram: containing it IS the match, and skipping
        # the LIKE keeps the planner's estimate right (it has statistics for the
        # bigrams, none for the LIKE), so it reads the newest rows first.
        return qs
    return qs.filter(
        Q(description__icontains=term) | Q(demand__icontains=term) | Q(location__icontains=term)
    )
