"""`zw run`, the README's first command: web app, broker, ingest and demo scale together."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

from tracker.adapters.broker import free_port


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_zw_run_brings_up_the_whole_stack(tmp_path):
    web, mqtt = free_port(), free_port()
    env = dict(os.environ, ZW_INSTANCE_PATH=str(tmp_path / "instance"), ZW_WEB_PORT=str(web),
               ZW_MQTT_PORT=str(mqtt), LANG="C.UTF-8")  # a server's usual locale: French
    for name in ("ZW_DATABASE_URL", "ZW_LOCALE", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    log = open(tmp_path / "zw-run.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "tracker.entry", "run", "--demo-rate", "2"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    db = tmp_path / "instance" / "zw.sqlite3"

    def scale_readings():
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM weighins WHERE source = 'scale' AND "
                                "device_id IS NOT NULL").fetchone()[0]

    try:
        _wait(lambda: urllib.request.urlopen(f"http://127.0.0.1:{web}/connexion").status == 200,
              60, "the web app")
        page = urllib.request.urlopen(f"http://127.0.0.1:{web}/connexion").read().decode()
        assert 'lang="fr"' in page and "csrf_token" in page
        _wait(lambda: scale_readings() >= 3, 60, "readings of the demo scale")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
    output = (tmp_path / "zw-run.log").read_text()
    assert "connexion famille : famille@demo.zw" in output
    with sqlite3.connect(db) as conn:
        # the scale weighs for its own household, its paired bin, never the family's
        rows = conn.execute("SELECT DISTINCT h.name, w.stream = d.stream FROM weighins w "
                            "JOIN households h ON h.id = w.household_id JOIN devices d ON "
                            "d.id = w.device_id WHERE w.source = 'scale'").fetchall()
        assert rows == [("Foyer de la balance de démo", 1)]
        # the demo edition has workshops, news and tips
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 3
        kinds = dict(conn.execute("SELECT kind, count(*) FROM posts GROUP BY kind").fetchall())
        assert kinds["news"] >= 1 and kinds["tip"] >= 4
    assert f"broker MQTT sur 127.0.0.1:{mqtt}" in output and "Ctrl-C arrête tout." in output
    # Every child stopped with the parent: nothing of this instance is left running.
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path / "instance")],
                               capture_output=True, text=True).stdout.split()
    assert leftovers == [], f"processes left running: {leftovers}"


def test_the_demo_scale_weighs_like_a_family_under_the_hourly_limit(app, runner, monkeypatch):
    """A demo past the ingest's hourly limit shows newcomers a page of flagged readings."""
    import tracker.cli.run
    from tracker.cli.run import DEMO_SCALE_RATE, demo_scale_line

    limit = app.config["ZW"].ingest_max_readings_per_hour
    assert DEMO_SCALE_RATE * 3600 <= limit / 2
    # `zw run` without --demo-rate uses the same rate, not a second default of its own.
    seen = {}
    monkeypatch.setattr(tracker.cli.run, "run_stack", lambda *a, **kw: seen.update(kw))
    runner.invoke(args=["run"])
    assert seen["demo_rate"] == DEMO_SCALE_RATE
    with app.test_request_context():
        line = demo_scale_line(DEMO_SCALE_RATE)
    assert line == ("la balance de démonstration publie une pesée toutes les 4 min pour son "
                    "propre foyer (Foyer de la balance de démo), pas pour la connexion famille")
