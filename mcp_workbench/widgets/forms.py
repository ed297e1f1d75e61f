"""A form generated from a tool's JSON Schema, so a tool can be called without writing code.

string → Text (a Textarea for text: a name or description that says so, ``maxLength`` > 200,
a text-like ``format``), number / integer → a Text that must parse (so a
required number starts empty and is never a silent 0), boolean → Checkbox, enum → Dropdown,
array / object (or no type) → a JSON Textarea that says at once when its text is not valid.
Defaults fill the controls; required fields carry a red star. ``values()`` returns the
arguments: required fields, fields with a default, and optional fields the user filled in;
``FormCache`` keeps each tool's form (and what was typed into it) while the dashboard lives.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..core.completions import template_variables
from .base import ERROR, MUTED, message

_SCALARS = ("string", "number", "integer", "boolean")
_NUMBERS = ("number", "integer")
_LABEL_WIDTH = "160px"
_TEXT_FORMATS = {"multiline", "textarea", "markdown", "text", "html", "code"}
_TEXT_WORDS = re.compile(
    r"(^|[^a-z])(text|content|body|code|message|prompt|markdown|document|notes?|comment|sql|script|html|snippet|"
    r"source|summary|instructions|diff|patch|essay|paragraph|multi-?line)([^a-z]|$)"
)


class FormError(ValueError):
    """The form cannot produce arguments yet; ``str()`` names every field that needs fixing."""


def resolve(schema: Any, root: dict[str, Any] | None = None, depth: int = 0) -> dict[str, Any]:
    """The effective schema of a property: local ``$ref`` followed, the non-null branch of
    ``anyOf`` / ``oneOf`` (pydantic's ``X | None``), a single ``allOf`` merged."""
    if not isinstance(schema, dict) or depth > 10:
        return {}
    root = root if root is not None else schema
    outer = dict(schema)
    ref = outer.pop("$ref", None)
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return resolve({**target, **outer}, root, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        branches = [b for b in outer.pop(key, None) or [] if not (isinstance(b, dict) and b.get("type") == "null")]
        if len(branches) == 1:
            return resolve({**resolve(branches[0], root, depth + 1), **outer}, root, depth + 1)
    kind = outer.get("type")
    if isinstance(kind, list):
        outer["type"] = next((t for t in kind if t != "null"), None)
    return outer


def kind_of(schema: dict[str, Any]) -> str:
    """Which control a resolved property gets: enum, a scalar type, or json."""
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return "enum"
    if "const" in schema:
        return "enum"
    kind = schema.get("type")
    return kind if kind in _SCALARS else "json"


def multiline(name: str, schema: dict[str, Any]) -> bool:
    """Does a string property hold text (a paragraph, code) rather than a word?"""
    if isinstance(schema.get("maxLength"), int) and schema["maxLength"] > 200:
        return True
    if str(schema.get("format", "")).lower() in _TEXT_FORMATS or schema.get("contentMediaType"):
        return True
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower() + " " + str(schema.get("description") or "").lower()
    return bool(_TEXT_WORDS.search(words))


class Field:
    """One property: its label, control, and validation message."""

    def __init__(self, name: str, schema: dict[str, Any], required: bool) -> None:
        self.name, self.schema, self.required = name, schema, required
        self.kind = kind_of(schema)
        self.multiline = self.kind == "string" and multiline(name, schema)  # a text area, not a line
        self.default = schema.get("default")
        self.has_default = self.default is not None
        self.touched = False
        self.control = self._control()
        self.message = widgets.HTML("")
        star = f' <span style="color:{ERROR}" title="required">*</span>' if required else ""
        hint = schema.get("description") or schema.get("title") or ""
        kind = schema.get("type") if self.kind in ("json", "enum") and schema.get("type") else self.kind
        label = widgets.HTML(
            f"<b>{html.escape(name)}</b>{star}<br><small style='color:{MUTED}'>{html.escape(str(kind))}</small>",
            layout=widgets.Layout(width=_LABEL_WIDTH), tooltip=hint or None,
        )
        self.box = widgets.VBox([widgets.HBox([label, self.control]), self.message])
        self.box.add_class("mcp-field-" + re.sub(r"[^A-Za-z0-9_-]", "_", name))
        self.control.observe(self._changed, names="value")

    def _control(self) -> widgets.Widget:
        d, s = self.default, self.schema
        placeholder = str(s.get("description") or s.get("title") or "")[:80]
        if self.multiline:
            return widgets.Textarea(value="" if d is None else str(d), placeholder=placeholder, rows=4,
                                    layout=widgets.Layout(width="60%"))  # fmt: skip
        if self.kind == "string":
            return widgets.Text(value="" if d is None else str(d), placeholder=placeholder)
        if self.kind in _NUMBERS:  # a Text, not a FloatText: empty means "not given", never a silent 0
            kind = "a whole number" if self.kind == "integer" else "a number"
            hint = f"{kind}, e.g. {'3' if self.kind == 'integer' else '2.5'}"
            return widgets.Text(value="" if not isinstance(d, (int, float)) else repr(d), placeholder=hint)
        if self.kind == "boolean":
            return widgets.Checkbox(value=bool(d), indent=False)
        if self.kind == "enum":
            values = list(s["enum"]) if "enum" in s else [s["const"]]
            options = [(str(v), v) for v in values]
            if not self.required and not self.has_default:
                options.insert(0, ("—", None))
            start = d if d in values else options[0][1]
            return widgets.Dropdown(options=options, value=start)
        example = "[1, 2]" if s.get("type") == "array" else '{"key": "value"}'
        text = "" if d is None else json.dumps(d, indent=1)
        return widgets.Textarea(value=text, placeholder=f"JSON, e.g. {example}", rows=3,
                                layout=widgets.Layout(width="60%"))  # fmt: skip

    def _changed(self, change: dict[str, Any]) -> None:
        self.touched = True
        if self.kind == "json":
            self.check()

    def check(self) -> str | None:
        """The problem with the current value (shown under the control), or None."""
        problem = None
        value = self.control.value
        if self.kind in _NUMBERS and str(value).strip():
            try:
                self.value()
            except ValueError:
                kind = "a whole number" if self.kind == "integer" else "a number"
                problem = f"expected {kind}, got {str(value).strip()!r}"
        elif self.kind == "json" and value.strip():
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as exc:
                problem = f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            else:
                wanted = self.schema.get("type")
                if wanted == "array" and not isinstance(parsed, list):
                    problem = f"expected a JSON array [...], got {type(parsed).__name__}"
                elif wanted == "object" and not isinstance(parsed, dict):
                    problem = f"expected a JSON object {{...}}, got {type(parsed).__name__}"
        elif self.required and (value is None if self.kind == "enum" else self.kind in ("string", "json", *_NUMBERS)
                                and not str(value).strip()):  # fmt: skip
            problem = "required"
        self.message.value = f'<span style="color:{ERROR}">{html.escape(problem)}</span>' if problem else ""
        return problem

    def included(self) -> bool:
        if self.kind in _NUMBERS:  # an empty number is "not given" (the server's default applies)
            return bool(str(self.control.value).strip())
        if self.required or self.has_default:
            return True
        if self.kind in ("string", "json"):
            return bool(str(self.control.value).strip())
        if self.kind == "enum":
            return self.control.value is not None
        return self.touched

    def value(self) -> Any:
        raw = self.control.value
        if self.kind in _NUMBERS:
            number = float(raw.strip())
            if not math.isfinite(number) or (self.kind == "integer" and not number.is_integer()):
                raise ValueError(raw)  # JSON has no NaN or infinity
            whole = self.kind == "integer" or (number.is_integer() and not set(raw.lower()) & {".", "e"})
            return int(number) if whole else number
        return json.loads(raw) if self.kind == "json" else raw


class SchemaForm(widgets.VBox):
    """The controls for one JSON Schema ``object``; ``values()`` gives the arguments dict."""

    def __init__(self, schema: dict[str, Any] | None, **kwargs: Any) -> None:
        self.schema = schema or {}
        required = set(self.schema.get("required") or [])
        props = self.schema.get("properties") or {}
        self.fields = {name: Field(name, resolve(prop, self.schema), name in required) for name, prop in props.items()}
        children = [f.box for f in self.fields.values()] or [widgets.HTML(f"<i style='color:{MUTED}'>no arguments</i>")]
        super().__init__(children, **kwargs)

    def values(self) -> dict[str, Any]:
        """The arguments; raises ``FormError`` naming each field that is missing or invalid."""
        problems = [f"{name}: {p}" for name, f in self.fields.items() if (p := f.check())]
        if problems:
            raise FormError("; ".join(problems))
        return {name: f.value() for name, f in self.fields.items() if f.included()}


def read_form(form: SchemaForm | None, status: widgets.HTML, unselected: str) -> dict[str, Any] | None:
    """The form's arguments, or None with what to fix written into ``status``."""
    if form is None:
        status.value = message(unselected, ERROR)
        return None
    try:
        return form.values()
    except FormError as exc:
        status.value = message(f"fix the form: {exc}", ERROR)
        return None


class FormCache:
    """One form per item (a tool, a prompt) while the dashboard lives: switching away and back
    keeps what was typed. A changed schema gets a fresh form."""

    def __init__(self) -> None:
        self._forms: dict[Any, tuple[str, SchemaForm]] = {}

    def get(self, key: Any, schema: dict[str, Any] | None, made: Callable[[SchemaForm], None] | None = None) -> SchemaForm:
        """The form of ``key``; ``made(form)`` runs once on a new one (e.g. to add completions)."""
        shape = json.dumps(schema or {}, sort_keys=True, default=str)
        kept = self._forms.get(key)
        if kept is not None and kept[0] == shape:
            return kept[1]
        form = SchemaForm(schema)
        self._forms[key] = (shape, form)
        if made is not None:
            made(form)
        return form


def prompt_schema(arguments: list[Any] | None) -> dict[str, Any]:
    """A prompt's arguments as a schema of strings (MCP prompt arguments are strings; text-like
    ones get a text area, the rest a line that a server's completions can fill)."""
    props = {a.name: {"type": "string", "description": a.description or ""} for a in arguments or []}
    return {"type": "object", "properties": props, "required": [a.name for a in arguments or [] if a.required]}


_EXPRESSION = re.compile(r"\{[^}]+\}")  # one {...} of a URI template


def template_schema(uri_template: str) -> dict[str, Any]:
    """A resource template's ``{variables}`` (as the server's completions name them) as required
    string fields."""
    names = template_variables(uri_template)
    return {"type": "object", "properties": {n: {"type": "string"} for n in names}, "required": names}


def fill_template(uri_template: str, values: dict[str, Any]) -> str:
    """Substitute simple ``{name}`` variables (RFC 6570 level 1), percent-encoding the values."""
    from urllib.parse import quote

    def expand(match: re.Match[str]) -> str:
        names = template_variables(match.group(0))
        return ",".join(quote(str(values.get(n, "")), safe="") for n in names)

    return _EXPRESSION.sub(expand, uri_template)
