"""`python -m ingest`: the ingest alone, configured by the ZW_* environment (no Flask needed)."""
import sys

from ingest.service import run_ingest
from tracker.config import Config

if __name__ == "__main__":
    sys.exit(run_ingest(Config.from_env()))
