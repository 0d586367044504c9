"""The OpenAPI document's components/schemas, derived from the API's shapes (bot/web/shapes.py).

Each shape's JSON Schema comes from pydantic, with its $defs (the shapes it holds) gathered
beside it under #/components/schemas/, each once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import core_schema

from bot.web import note_shapes, shapes, source_shapes

JSON = dict[str, Any]
REF = "#/components/schemas/{model}"


class _Described(GenerateJsonSchema):
    """Write JSON Schema as the document does: no titles (a component is named by its key, a
    property by its name) and no defaults (an answer has every field, and what a body leaves
    out is not assumed)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])


def name_of(model: type[BaseModel]) -> str:
    """Return the component a model is: its title when it has one, else its class's name."""
    return model.model_config.get("title") or model.__name__


def ref(model: type[BaseModel]) -> JSON:
    """Point at a shape of the document's components."""
    return {"$ref": REF.format(model=name_of(model))}


def components(answers: Iterable[type[BaseModel]], bodies: Iterable[type[BaseModel]]) -> JSON:
    """Return the schemas of these shapes and of every shape they hold, each once: answers
    as they are written, bodies as they are read."""
    schemas: JSON = {}
    modes: list[tuple[Iterable[type[BaseModel]], JsonSchemaMode]] = [
        (answers, "serialization"),
        (bodies, "validation"),
    ]
    for models, mode in modes:
        for model in models:
            schema = model.model_json_schema(
                ref_template=REF, mode=mode, schema_generator=_Described
            )
            for name, part in [*schema.pop("$defs", {}).items(), (name_of(model), schema)]:
                part.pop("title", None)
                if schemas.setdefault(name, part) != part:
                    raise ValueError(f"two different shapes are called {name}")
    return schemas


SCHEMAS = components(
    answers=(
        shapes.Error,
        shapes.ImportProblems,
        shapes.SeriesList,
        shapes.Since,
        shapes.PauseStanding,
        shapes.Pauses,
        shapes.Incidents,
        shapes.Stats,
        shapes.Revision,
        shapes.IncidentAnswer,
        shapes.WriteResult,
        shapes.ImportResult,
        shapes.Health,
        shapes.Ready,
        source_shapes.SourceList,
        source_shapes.RunResult,
        source_shapes.ReviewList,
        source_shapes.Decision,
        note_shapes.NoteList,
        note_shapes.NoteWritten,
    ),
    bodies=(shapes.NewIncident, shapes.Reason, note_shapes.NewNote),
)
