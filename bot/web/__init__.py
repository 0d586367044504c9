"""The HTTP side: the JSON API, the wall board, the badge, and the operators' endpoints."""
