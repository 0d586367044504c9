"""The console adapter: the bot in a terminal."""
