"""Source adapters: read a published sheet's URL or ACLED's API over HTTP, as plain data."""
