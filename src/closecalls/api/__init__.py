"""Resource handlers: thin, one module per resource."""
