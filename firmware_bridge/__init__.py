"""Firmware bridge: native scale firmware messages -> canonical weigh-in readings.

Runs on a small edge box (Raspberry Pi) with only paho-mqtt installed: nothing in this
package imports Flask, SQLAlchemy, pandas, marshmallow or the ``tracker`` package.
"""
