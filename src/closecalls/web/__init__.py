"""The web UI: a page, its scripts and stylesheet, served from the package at `/`."""
