"""The Discord adapter: alerts and digests to Discord channels (app commands still to come)."""
