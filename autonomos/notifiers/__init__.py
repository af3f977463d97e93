"""Built-in ``on_event`` observers that tell people about runs (Slack); each is a plugin."""
