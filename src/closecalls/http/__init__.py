"""The HTTP edge: parsing, authentication, the error envelope and responses."""
