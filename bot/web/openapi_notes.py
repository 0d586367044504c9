"""The OpenAPI paths of the notes (bot/web/notes.py), read as questions and written as incidents.

A series' notes are read with the tokens (or the openness) of its questions; a note is written
with a write token, once per Idempotency-Key, as an incident is.
"""

from __future__ import annotations

from bot.web import note_shapes, shapes
from bot.web.components import ref
from bot.web.openapi_parts import (
    ERROR,
    GATED,
    JSON,
    PUBLIC_WHEN,
    SECURED,
    UNAUTHORISED,
    UNAVAILABLE,
    answer,
    query,
)

SERIES = {
    "name": "name",
    "in": "path",
    "required": True,
    "description": "A series name (attacks, us-strikes).",
    "schema": {"type": "string"},
}
NOTE_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "A retry with the same key (within a day) stores nothing twice and gets the first answer."
    ),
    "schema": {"type": "string", "maxLength": 100},
}
WRITE_ERRORS = {
    "400": ERROR,
    "401": UNAUTHORISED,
    "403": answer(shapes.Error, "The token may only read."),
    "422": ERROR,
    "429": {
        **answer(shapes.Error, "Too many writes with this token."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
    "503": UNAVAILABLE,
}

PATHS: JSON = {
    "/api/v1/series/{name}/notes": {
        "get": {
            "summary": "A series' notes, oldest first (`note list`)",
            "security": SECURED,
            PUBLIC_WHEN: "api_public",
            "parameters": [
                SERIES,
                query("from", "The first day, as from: in chat (default: the first note)."),
                query("to", "The last day (default: today), as to: in chat."),
                query(
                    "period",
                    "A period in words, as in chat: March 2024, last month (not with from/to).",
                ),
            ],
            "responses": {
                "200": answer(note_shapes.NoteList),
                "400": ERROR,
                "404": answer(shapes.Error, "No such series."),
                **GATED,
            },
        }
    },
    "/api/v1/notes": {
        "post": {
            "summary": 'Add a note on a series\' timeline (`note add DATE "TEXT" [SERIES]`)',
            "security": SECURED,
            "parameters": [IDEMPOTENCY],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref(note_shapes.NewNote)}},
            },
            "responses": {
                "201": answer(
                    note_shapes.NoteWritten, "Noted (or, replayed, noted the first time)."
                ),
                **WRITE_ERRORS,
            },
        }
    },
    "/api/v1/notes/{id}": {
        "delete": {
            "summary": "Delete a note; the audit log keeps it (`note delete ID`)",
            "security": SECURED,
            "parameters": [NOTE_ID, IDEMPOTENCY],
            "responses": {
                "200": answer(note_shapes.NoteWritten),
                "404": ERROR,
                **WRITE_ERRORS,
            },
        }
    },
}
