"""A plugin whose hook raises, and whose observer raises."""

from autonomos import hookimpl


@hookimpl
def register_agents(register):
    raise RuntimeError("boom in register_agents")


@hookimpl
def on_event(event):
    raise RuntimeError("observer boom")
