"""The `zw` commands of the tracker (tracker/entry.py builds the group; `zw bridge` and
`zw simulate` go to firmware_bridge without Flask). One module per command group; what they all
use is in common.py. Every command's name and options are a contract (DESIGN.md). `zw ingest`
is the ingest's own (ingest/command.py), added by the app factory beside these."""
from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every `zw` sub-command to the app's CLI group."""
    from tracker.cli import (accounts, challenges, db, deadletters, devices, households, life,
                             mail, progress, reminders, run, talk, weighins)

    for command in (db.db_group, challenges.challenges_group, households.households_group,
                    accounts.accounts_group, weighins.weighins_group, progress.progress_group,
                    run.run_command, devices.devices_group,
                    deadletters.deadletters_group, mail.mail_group, reminders.reminders_group,
                    life.life_group, talk.talk_group):
        app.cli.add_command(command)
