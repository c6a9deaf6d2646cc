"""The SQL store: read model, task inbox, audit timeline and notification outbox."""
