"""Feeding the search engine from the database: documents from rows, the outbox consumer
that keeps the indexes in step, the viewer's deny keys, and the search service."""
