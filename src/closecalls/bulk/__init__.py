"""Bulk import and export of calls: `closecalls import` and `closecalls export`."""
