"""``python -m firmware_bridge``: the same entry point as ``zw bridge`` / ``zw simulate``."""

import sys

from firmware_bridge.cli import main

sys.exit(main())
