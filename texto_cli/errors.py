"""Exceptions raised by texto for problems the user can fix.

Every message is one line, names the offending file or value, and is meant to
be printed as is (``texto: <message>``) by the command-line front end.
"""

from __future__ import annotations


class TextoError(Exception):
    """Base class of every error texto reports to the user."""


class ImageError(TextoError, ValueError):
    """An image cannot be read or written (missing, empty, truncated, unsupported...)."""


class ModelError(TextoError, ValueError):
    """A model file is missing, corrupt, of another version, or inconsistent."""


class UsageError(TextoError, ValueError):
    """Invalid arguments or option combination (bad size, too many scales...)."""
