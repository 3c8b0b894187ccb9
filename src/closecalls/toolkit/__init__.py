"""The testing toolkit: the admin API, per-organization time and ids, journal and faults."""
