"""Specialist output models and their lenient parser.

Models are asked to answer in labelled sections (``TITLE:``, ``BODY:`` ...), which small local
models follow better than JSON and which read well while streaming. Parsing never fails: a JSON
object is accepted too, missing sections stay empty, and text without any label becomes the
body. Each output model says how it maps onto ``DraftResult`` (``text``, ``title``, ``fields``).
"""

from __future__ import annotations

import json
import re
from typing import ClassVar, Self, get_origin

from pydantic import BaseModel, ValidationError

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


class SpecialistOutput(BaseModel):
    """Base of the output models; fields are ``str`` or ``list[str]``, in answer order."""

    body_field: ClassVar[str] = "body"
    """The field that receives unlabelled text."""

    @classmethod
    def label(cls, field_name: str) -> str:
        return field_name.upper().replace("_", " ")

    @classmethod
    def format_instructions(cls) -> str:
        """The answer format, built from the fields and their descriptions."""
        lines = ["Answer in exactly this format, one section per label:"]
        for name, info in cls.model_fields.items():
            hint = info.description or name.replace("_", " ")
            if get_origin(info.annotation) is list:
                lines.append(f"{cls.label(name)}:\n- <{hint}, one per line>")
            else:
                lines.append(f"{cls.label(name)}: <{hint}>")
        return "\n".join(lines)

    @classmethod
    def parse(cls, raw: str) -> Self:
        """Parse a model answer; never raises (the raw text becomes the body at worst)."""
        text = raw.strip()
        parsed = cls._from_json(text) or cls._from_sections(text)
        if parsed is None:
            return cls.model_validate({cls.body_field: cls._coerce(cls.body_field, text)})
        if not getattr(parsed, cls.body_field):
            setattr(parsed, cls.body_field, cls._coerce(cls.body_field, text))
        return parsed

    @classmethod
    def _from_json(cls, text: str) -> Self | None:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            return None
        try:
            data = json.loads(text[start : end + 1])
            if not isinstance(data, dict) or not set(data) & set(cls.model_fields):
                return None
            return cls.model_validate(data)
        except (ValueError, ValidationError):
            return None

    @classmethod
    def _from_sections(cls, text: str) -> Self | None:
        names = {cls.label(name): name for name in cls.model_fields}
        labels = "|".join(re.escape(label) for label in sorted(names, key=len, reverse=True))
        pattern = re.compile(rf"^[\s#*_>]*({labels})[\s*_]*:[*_]*[ \t]*", re.I | re.M)
        matches = list(pattern.finditer(text))
        if not matches:
            return None
        values: dict[str, str | list[str]] = {}
        preamble = text[: matches[0].start()].strip()
        for index, match in enumerate(matches):
            stop = matches[index + 1].start() if index + 1 < len(matches) else len(text)
            name = names[match.group(1).upper()]
            values[name] = cls._coerce(name, text[match.end() : stop].strip())
        if preamble and not values.get(cls.body_field):
            values[cls.body_field] = cls._coerce(cls.body_field, preamble)
        return cls.model_validate(values)

    @classmethod
    def _coerce(cls, name: str, section: str) -> str | list[str]:
        if get_origin(cls.model_fields[name].annotation) is not list:
            return section
        items = [_BULLET.sub("", line).strip() for line in section.splitlines()]
        return [item for item in items if item]

    def result_parts(self) -> tuple[str, str, dict[str, str]]:
        """``(text, title, fields)`` for ``DraftResult``; override for kind-specific layouts."""
        values = self.model_dump()
        text = _as_text(values.pop(self.body_field, ""))
        title = _as_text(values.pop("title", ""))
        return text, title, {name: _as_text(value) for name, value in values.items()}


def _as_text(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(f"- {item}" for item in value)
    return str(value or "")
