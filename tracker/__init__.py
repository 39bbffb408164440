"""The zero-waste challenge tracker: domain, storage, services, web app and the `zw` command.

Importing this package builds nothing (no app, engine or MQTT client): see `tracker.app.create_app`.
It must stay importable without Flask so that `zw bridge` runs on an edge box.
"""
