"""The console script's entry point: the command line, spared the cyclic collector's start-up cost.

Starting `pausewatch` makes a few hundred thousand objects that live as long as the process
(the modules, classes and functions of SQLAlchemy, pydantic, typer and the bot). Python's
cyclic collector would walk them over and over while they are made, and once more at exit:
about 0.4 s of a one-second `pausewatch ask` on a small machine. So the collector is off while
the command line is imported, and what the imports made is then frozen (left out of every later
collection); after that it works as usual, on what the command itself makes.
"""

from __future__ import annotations

import gc


def main() -> None:
    """Run the command line: the `pausewatch` console script and `python -m bot`."""
    gc.disable()
    try:
        from bot.cli import main as command_line
    finally:
        gc.freeze()
        gc.enable()
    command_line()
