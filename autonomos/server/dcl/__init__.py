"""The engine over HTTP: ``/dcl`` (connect, state, sources, mappings, review, lineage, views, query)
and ``/aoa`` (agents), plus the task kinds that run the engine in workers (:mod:`.jobs`)."""
