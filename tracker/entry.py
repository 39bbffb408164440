"""The `zw` console script.

`zw bridge ...` and `zw simulate ...` go to the firmware bridge without importing Flask (an edge
box has only paho-mqtt); every other sub-command is a Flask CLI command of the tracker app.
"""
from __future__ import annotations

import os
import sys

BRIDGE_COMMANDS = ("bridge", "simulate")


def main(argv: list[str] | None = None) -> int:
    # Whatever the command writes (the SQLite database and its -wal, secrets, the broker's
    # files, logs, exports) is for this user only: tracker.private_files.
    os.umask(0o077)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in BRIDGE_COMMANDS:
        from firmware_bridge.cli import main as bridge_main

        return bridge_main(argv)
    from flask.cli import FlaskGroup

    group = FlaskGroup(name="zw", create_app=_cli_app, add_default_commands=False,
                       load_dotenv=False, add_version_option=False,
                       help="Zero-waste challenge tracker.")
    from flask.cli import routes_command, shell_command

    group.add_command(shell_command)
    group.add_command(routes_command)
    return group.main(args=argv, prog_name="zw")


def _cli_app():
    """The app of a `zw` command: its messages in the command line's language (French first,
    `ZW_LOCALE=en` or an English system locale for English; tracker.extensions.cli_locale)."""
    from tracker.app import create_app
    from tracker.extensions import cli_locale

    app = create_app()
    app.config["ZW_CLI_LOCALE"] = cli_locale(app.config["BABEL_DEFAULT_LOCALE"])
    return app


if __name__ == "__main__":
    sys.exit(main())
