"""The domain: incident days, pauses and their standing, filters, fields, wording (pure, no I/O)."""
