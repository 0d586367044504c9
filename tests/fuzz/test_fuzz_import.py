"""Fuzzing the importer: any file is imported whole or refused with clear reasons, changing nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.imports import import_file
from storage.import_formats import ImportFailed
from tests.bot.commands.test_core import snapshot
from tests.fuzz.strategies import FUZZ, csv_files, json_files


async def import_bytes(core: Core, content: bytes, suffix: str, file_format: str | None) -> None:
    """Import `content`; assert it was stored, or refused with reasons and nothing changed."""
    before = await snapshot(core)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(content)
        try:
            await import_file(
                core.context, path, file_format=file_format, series=None, caller=console_caller()
            )
        except ImportFailed as failed:
            assert failed.errors, content
            assert all(str(error).strip() for error in failed.errors)
            assert await snapshot(core) == before, content


@FUZZ.__class__(FUZZ, max_examples=100)
@given(content=csv_files(), file_format=st.sampled_from([None, "csv", "acled"]))
async def test_any_csv_file_is_imported_whole_or_refused(
    core: Core, content: bytes, file_format: str | None
) -> None:
    await import_bytes(core, content, ".csv", file_format)


@FUZZ.__class__(FUZZ, max_examples=100)
@given(content=json_files() | st.binary(max_size=30))
async def test_any_json_file_is_imported_whole_or_refused(core: Core, content: bytes) -> None:
    await import_bytes(core, content, ".json", None)
