"""Stored sources and pipelines of a tenant, and its run history (``/api/v1/sources|pipelines|runs``)."""
