"""`python -m ingest [--retire]`: the ingest alone, configured by the ZW_* environment (no Flask).

--retire: this worker (ZW_INGEST_CLIENT_ID) leaves its group (ZW_INGEST_GROUP) for good: it
stores what its session still holds, then clears the session (docs/scaling.md).
"""
import argparse
import sys

from ingest.service import run_ingest
from tracker.config import Config

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--retire", action="store_true",
                        help="leave the shared subscription group for good, then exit")
    sys.exit(run_ingest(Config.from_env(), retire=parser.parse_args().retire))
