"""The JSON API's notes: read as chat's `note list` reads them, written as `note add|delete`.

Values become typed commands through bot/commands/note_words.py (the chat's checks and
messages); writes go through Core.execute_once with a write token, audited under its name and
carried out once per Idempotency-Key, as the incidents' writes (bot/web/writes.py) are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.commands import facts, noting
from bot.commands.command import Command, CommandError, GrammarError, NoteRequest
from bot.commands.core import Caller
from bot.commands.note_words import typed_note
from bot.domain.notes import Note
from bot.web import note_shapes
from bot.web.auth import reader_of
from bot.web.data import json_answer, words_of
from bot.web.errors import json_error, per_field
from bot.web.keys import CORE
from bot.web.writes import body_values, json_body, writer

routes = web.RouteTableDef()
LIST_PARAMETERS = ("from", "to", "period")


def shape_of(note: Note) -> note_shapes.Note:
    """Return a note as the API writes it."""
    return note_shapes.Note(id=note.id, series=note.series, date=note.day, text=note.text)


@routes.get("/api/v1/series/{name}/notes")
async def list_notes(request: web.Request) -> web.Response:
    """A series' notes, oldest first: of a period, or from/to, else all up to today."""
    core = request.app[CORE]
    caller = reader_of(request, "api")
    params = {key: value for key, value in request.query.items() if key != "token"}
    unknown = {
        key: f"`{key}` is not a parameter here; notes take from, to and period."
        for key in params
        if key not in LIST_PARAMETERS
    }
    if unknown:
        raise json_error(400, next(iter(unknown.values())), fields=unknown)
    vocabulary = await facts.vocabulary(core, caller)
    today = core.today()

    def command_of(given: Mapping[str, Any]) -> Command:
        return typed_note(
            today=today,
            action="list",
            vocabulary=vocabulary,
            series=request.match_info["name"],
            start=given.get("from"),
            end=given.get("to"),
            period=given.get("period"),
        )

    try:
        command = command_of(params)
    except GrammarError as error:
        if "is not a series" in error.reason:
            raise json_error(404, error.reason) from None
        raise json_error(400, str(error), fields=per_field(command_of, params)) from None
    try:
        series, notes = await noting.notes_for(core.context, command, caller)
    except CommandError as error:
        raise json_error(404, str(error)) from None
    return json_answer(
        note_shapes.NoteList(
            series=series,
            first=command.start,
            last=command.end or today,
            notes=[shape_of(note) for note in notes],
        )
    )


async def _carry_out(
    request: web.Request,
    command: Command,
    caller: Caller,
    key: str | None,
    *,
    status: int,
    before: Note | None = None,
) -> web.Response:
    """Run a note write once per key; answer with the note (a deleted one as it was)."""
    core = request.app[CORE]
    outcome = await core.execute_once(command, caller, request_key=key)
    reply = outcome.reply
    if reply.is_error:
        raise json_error(422, reply.headline, details=list(reply.details))
    note = before
    if note is None and reply.note_id is not None:
        note = await noting.note_of(core.context, reply.note_id, caller)
    headers = {} if outcome.first_time else {"Idempotent-Replayed": "true"}
    return json_answer(
        note_shapes.NoteWritten(
            note=shape_of(note) if note is not None else None,
            words=words_of(reply),
            replayed=not outcome.first_time,
        ),
        status=status,
        **headers,
    )


@routes.post("/api/v1/notes")
async def add_note(request: web.Request) -> web.Response:
    """Add a note, as `note add DATE "TEXT" [SERIES]` does (a write token)."""
    core = request.app[CORE]
    caller, key = await writer(request)
    given = body_values(await json_body(request), ("series", "date", "text"))
    vocabulary = await facts.vocabulary(core, caller)
    today = core.today()

    def command_of(values: Mapping[str, Any]) -> Command:
        return typed_note(
            today=today,
            action="add",
            vocabulary=vocabulary,
            day=str(values["date"]) if values.get("date") is not None else None,
            text=str(values["text"]) if values.get("text") is not None else None,
            series=str(values["series"]) if values.get("series") else None,
        )

    # Each value is checked beside others that are surely right, so each says its own fault.
    surely = {"date": today.isoformat(), "text": "a note"}

    def alone(one: Mapping[str, Any]) -> Command:
        return command_of({**surely, **one})

    try:
        command = command_of(dict(given))
    except GrammarError as error:
        fields = per_field(alone, given) if given else {}
        for needed in ("date", "text"):
            if given.get(needed) is None:
                fields[needed] = f"`{needed}` is needed: {error.reason}"
        raise json_error(422, str(error), fields=fields) from None
    return await _carry_out(request, command, caller, key, status=201)


@routes.delete("/api/v1/notes/{id}")
async def delete_note(request: web.Request) -> web.Response:
    """Delete a note (kept in the audit log), as `note delete ID` does (a write token)."""
    core = request.app[CORE]
    raw = request.match_info["id"]
    if not raw.isdigit() or not 1 <= int(raw) <= 2_147_483_647:
        raise json_error(404, f"{raw!r} is not a note id; `note list` shows them.")
    caller, key = await writer(request)
    note_id = int(raw)
    # A retry under the same Idempotency-Key finds the note deleted, and gets the first answer.
    before = await noting.note_to_delete(core.context, note_id, caller, request_key=key)
    if before is None:
        raise json_error(404, f"There is no note #{note_id}; `note list` shows ids.")
    command = Command(verb="note", topic="delete", note=NoteRequest(note_id=note_id))
    return await _carry_out(request, command, caller, key, status=200, before=before)
