"""The Slack adapter: the slash command and the delivery of alerts and digests to Slack."""
