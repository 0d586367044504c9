"""The Discord adapter: the /incidents app commands, and alerts and digests to Discord channels."""
