"""Notifications: alerts, digests, their delivery through the outbox, the schedule and charts."""
