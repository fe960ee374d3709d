"""Draft the reading of a document by rule: bodies, provisions, modality, levels, conditions,
each with its exact words (issue 11). See draft.py for the entry point."""

from .draft import draft_reading

__all__ = ["draft_reading"]
