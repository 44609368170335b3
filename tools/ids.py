"""The one spelling of a thread id or an asset id, shared by every layer.

Ids end up in Redis keys, file names and URLs, so they are short and plain: a letter or digit,
then letters, digits, ``.``, ``_`` or ``-`` (at most 128 characters).
"""

from __future__ import annotations

import re
from typing import TypeGuard

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
"""A valid thread id or asset id."""


def is_id(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a string spelled as ``ID_PATTERN`` asks."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None
