"""The REST API, `/api/v1` (v1.py), registered on flask-smorest's Api by tracker.web.register."""
