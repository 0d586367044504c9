"""Commands: the grammar, the typed command, replies, and the core that runs a command."""
