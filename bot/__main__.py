"""Run the pausewatch command line as `python -m bot`."""

from bot.script import main

main()
