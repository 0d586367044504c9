"""Everything that talks to people: the command grammar and core, replies, and the CLI."""
