"""Tools for testing against closecalls."""
