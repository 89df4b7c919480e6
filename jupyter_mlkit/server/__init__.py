"""The jupyter_server extension: REST API under ``<base_url>/mlkit/api/v1/``."""
