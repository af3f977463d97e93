"""Cron schedules of stored pipelines: the ``schedules`` table, the arbiter every worker's
maintenance thread runs (:func:`~autonomos.server.schedules.service.fire_due`) and the routes."""
