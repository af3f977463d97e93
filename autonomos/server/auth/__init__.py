"""Authentication and authorization: passwords, tokens, throttling, middleware, guards, routes."""
