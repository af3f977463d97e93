"""Per-organization LLM settings: provider, model and a sealed API key, used by the runs the
server starts for that organization (``dcl.connect``, ``pipeline.run``)."""
