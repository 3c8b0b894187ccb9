"""closecalls: Close CRM's call-activity API, self-hosted."""

__version__ = "0.1.0"
