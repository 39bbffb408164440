"""Topics, subscriptions and payload limits of the ingest, in one place.

The topic names come from firmware_bridge.topics (dependency-free, shared with the scales'
side); the limits below are the ingest's own.
"""
from __future__ import annotations

from firmware_bridge.topics import (STATUS_OFFLINE, STATUS_ONLINE, STATUS_SUBSCRIPTION,
                                    TOPIC_ROOT, WEIGHIN_SUBSCRIPTION, status_topic,
                                    weighin_topic)

#: A canonical reading is ~100 bytes; anything over this is refused (dead-lettered).
MAX_PAYLOAD_BYTES = 16 * 1024
#: How much of a refused payload the dead letter keeps.
DEAD_LETTER_KEEP_BYTES = 4 * 1024
#: QoS of the ingest's subscriptions: at least once, so nothing is lost before the commit.
SUBSCRIBE_QOS = 1

WEIGHIN_LEAF = "weighin"
STATUS_LEAF = "status"


def subscriptions(group: str = "") -> list[str]:
    """The ingest's topic filters; with a group, shared subscriptions ($share/<group>/...)."""
    filters = [WEIGHIN_SUBSCRIPTION, STATUS_SUBSCRIPTION]
    if group:
        return [f"$share/{group}/{f}" for f in filters]
    return filters


def split_topic(topic: str) -> tuple[str | None, str | None]:
    """(device id, leaf) of `zw/scales/<device_id>/<leaf>`; (None, None) for anything else."""
    parts = topic.split("/")
    if len(parts) != 4 or f"{parts[0]}/{parts[1]}" != TOPIC_ROOT or not parts[2]:
        return None, None
    return parts[2], parts[3]


__all__ = ["MAX_PAYLOAD_BYTES", "DEAD_LETTER_KEEP_BYTES", "SUBSCRIBE_QOS", "WEIGHIN_LEAF",
           "STATUS_LEAF", "STATUS_ONLINE", "STATUS_OFFLINE", "subscriptions", "split_topic",
           "weighin_topic", "status_topic"]
