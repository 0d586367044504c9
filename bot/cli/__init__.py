"""The `pausewatch` command line: run the bot, ask one question, import, export, migrate.

bot/cli/main.py is its root; each command group is a module of its own, and every command
runs through the one body and error boundary of bot/cli/boundary.py.
"""

from bot.cli.main import app, main

__all__ = ["app", "main"]
