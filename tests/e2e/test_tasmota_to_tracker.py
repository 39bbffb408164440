"""The whole path: a Tasmota scale's native message → `zw bridge` → mosquitto → `zw ingest` →
a weigh-in in the tracker, every process real and separate."""
import subprocess
import sys

import pytest
from sqlalchemy import select

from tests.bridge.conftest import SourceBroker
from tests.bridge.test_broker import Tasmota, config_file
from tests.ingest.helpers import ROOT, IngestProcess, wait_for
from tracker.models import Household, WeighIn
from tracker.services.devices import provision_device

pytestmark = pytest.mark.broker


@pytest.fixture
def source_broker(tmp_path_factory):
    broker = SourceBroker(tmp_path_factory.mktemp("home-broker")).start()
    yield broker
    broker.stop()


def test_native_tasmota_reading_lands_in_the_tracker(app, world, database_url, mosquitto,
                                                     source_broker, tmp_path):
    with app.extensions["zw_db"].session() as s:
        device, secret = provision_device(s, s.get(Household, world["martin"]),
                                          firmware="tasmota", device_id="tasmota-cuisine")
    mosquitto.add_scale(device.id, secret)  # what `zw devices add` does with the broker
    ingest = IngestProcess(mosquitto, database_url, tmp_path / "instance").start()
    bridge_log = open(tmp_path / "bridge.log", "wb")
    bridge = subprocess.Popen(
        [sys.executable, "-m", "tracker.entry", "bridge", "--config",
         str(config_file(tmp_path, source_broker, mosquitto, device.id, secret))],
        cwd=ROOT, stdout=bridge_log, stderr=subprocess.STDOUT)

    def stored():
        with app.extensions["zw_db"].session() as s:
            return s.scalars(select(WeighIn).where(WeighIn.device_id == device.id)
                             .order_by(WeighIn.seq)).all()

    try:
        scale = Tasmota(source_broker)
        wait_for(lambda: b"connected" in (tmp_path / "bridge.log").read_bytes(), 10)
        source_broker.wait_subscribed()  # the home broker keeps no session: publish after it
        scale.weight(0.0)
        for kg in (1.234, 0.5, 2.75):
            scale.load(kg)
        assert wait_for(lambda: len(stored()) == 3, 30), (
            (tmp_path / "bridge.log").read_text() + ingest.log_tail())
    finally:
        bridge.terminate()
        bridge.wait(15)
        bridge_log.close()
        ingest.stop()
    rows = stored()
    assert [(w.seq, w.weight_g, w.stream, w.source, w.household_id) for w in rows] == [
        (1, 1234, "residual", "scale", world["martin"]), (2, 500, "residual", "scale",
                                                           world["martin"]),
        (3, 2750, "residual", "scale", world["martin"])]
    # Tasmota sends local time without offset: the bridge read it as Paris time; a weigh-in
    # is dated when the bag came off the scale (08:09 local), the weigh-event model.
    assert rows[0].measured_at.isoformat() == "2026-03-14T07:09:00+00:00"
