"""Privacy: a household downloads its data, asks for erasure; staff erase; the audit log."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.life.helpers import post, text
from tracker.models import Account, Edition, Household, WeighIn
from tracker.models_life import AuditEntry, LoginToken, OutgoingMail
from tracker import progress, services

PARIS = dt.timezone(dt.timedelta(hours=1))


def _weigh(app, household_id, day, grams, stream="residual"):
    with app.extensions["zw_db"].session() as s:
        services.record_weighin(s, s.get(Household, household_id), stream=stream,
                                weight_g=grams, source="web", check_median=False,
                                measured_at=dt.datetime(2026, 3 if day < 32 else 4,
                                                        (day - 1) % 31 + 1, 9, tzinfo=PARIS))


def _cohort_households(app, edition_id, as_of=dt.date(2026, 4, 14)):
    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, edition_id)
        result = progress.compute(s.connection(), edition, as_of)
    return sorted(result.households["household_id"].unique().tolist()), result.cohort


def test_family_downloads_all_its_data(app, client, world, now_in_edition):
    _weigh(app, world["martin"], 3, 4200)
    _weigh(app, world["durand"], 4, 999)
    sign_in(client, "martin@example.org")
    assert client.get("/foyer/mes-donnees").status_code == 200
    response = client.get("/foyer/mes-donnees.json")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["household"]["name"] == "Martin"
    assert [w["weight_g"] for w in data["weighins"]] == [4200]  # not Durand's
    assert data["members"][0]["email"] == "martin@example.org"
    assert "password_hash" not in response.get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/foyer/mes-donnees.zip").data))
    assert {"household.csv", "weighins.csv", "members.csv"} <= set(archive.namelist())
    weighins_csv = archive.read("weighins.csv").decode("utf-8-sig")
    assert weighins_csv.splitlines()[0].startswith("id,measured_at,stream,weight_g")
    assert ",4200," in weighins_csv and "999" not in weighins_csv


def test_erasure_request_then_staff_erase_removes_the_household_from_figures(
        app, client, world, outbox, now_in_edition):
    for hid in (world["martin"], world["durand"]):
        _weigh(app, hid, 3, 5000)
        _weigh(app, hid, 35, 4000)
    # a mail to Martin exists in the outbox (a sign-in link)
    post(client, "/connexion/lien", {"email": "martin@example.org"})
    assert outbox.to("martin@example.org")
    before, cohort_before = _cohort_households(app, world["edition"])
    assert before == sorted([world["martin"], world["durand"]])

    sign_in(client, "martin@example.org")
    post(client, "/foyer/effacement", token_from="/foyer/mes-donnees")
    assert "erasure" in text(client.get("/foyer/mes-donnees")).lower() or \
        "effacement" in text(client.get("/foyer/mes-donnees")).lower()

    staff = app.test_client()
    sign_in(staff, "staff@example.org")
    listing = text(staff.get("/equipe/editions/defi-2026/foyers"))
    assert "Martin" in listing and "/equipe/foyers/%d" % world["martin"] in listing
    path = f"/equipe/foyers/{world['martin']}"
    # the wrong name does nothing
    post(staff, path + "/effacer", {"confirm_name": "martin"}, token_from=path)
    with app.extensions["zw_db"].session() as s:
        assert s.get(Household, world["martin"]) is not None
    response = post(staff, path + "/effacer", {"confirm_name": "Martin"}, token_from=path)
    assert response.status_code == 302

    with app.extensions["zw_db"].session() as s:
        assert s.get(Household, world["martin"]) is None
        assert s.scalar(select(func.count(WeighIn.id)).where(
            WeighIn.household_id == world["martin"])) == 0
        assert s.scalar(select(Account.id).where(Account.email == "martin@example.org")) is None
        assert s.scalar(select(func.count(LoginToken.id))) == 0
        assert s.scalar(select(func.count(OutgoingMail.id)).where(
            OutgoingMail.to_addr == "martin@example.org")) == 0
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "household.erase"))
        assert entry.household_id == world["martin"] and entry.details["weighins"] == 2
        dumped = json.dumps({"d": entry.details, "a": entry.action}).lower()
        assert "martin" not in dumped and "orsay" not in dumped
    assert outbox.to("martin@example.org") == []  # the .eml copies went too
    after, cohort_after = _cohort_households(app, world["edition"])
    assert after == [world["durand"]]
    assert cohort_before["n_households"].max() == 2 and cohort_after["n_households"].max() == 1
    # the erased family's open session is gone
    assert client.get("/pesee").status_code == 302
    # the audit log page shows the entry without the name
    log = text(staff.get("/equipe/journal"))
    assert "household.erase" in log and "#%d" % world["martin"] in log


def test_staff_reminder_switch_invite_and_export_are_logged(app, staff, world, outbox,
                                                            now_in_edition):
    path = f"/equipe/foyers/{world['durand']}"
    assert staff.get(path).status_code == 200
    post(staff, path, {"action": "settings"})  # unchecked: off
    post(staff, path, {"action": "invite", "email": "camille.durand@example.org"})
    assert staff.get(path + "/export.json").status_code == 200
    with app.extensions["zw_db"].session() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["household.reminders", "household.invite_member", "household.export"]
    assert outbox.to("camille.durand@example.org")


def test_privacy_pages_access_rules(app, client, world, now_in_edition):
    family_only = ["/foyer/mes-donnees", "/foyer/mes-donnees.json", "/foyer/mes-donnees.zip"]
    staff_only = ["/equipe/editions/defi-2026/foyers", f"/equipe/foyers/{world['martin']}",
                  f"/equipe/foyers/{world['martin']}/export.json", "/equipe/journal"]
    for path in family_only + staff_only:
        assert "/connexion" in client.get(path).headers["Location"], path
    sign_in(client, "durand@example.org")
    for path in staff_only:
        assert client.get(path).status_code == 403, path
    assert post(client, f"/equipe/foyers/{world['martin']}/effacer",
                {"confirm_name": "Martin"}, token_from="/pesee").status_code == 403
    data = json.loads(client.get("/foyer/mes-donnees.json").get_data(as_text=True))
    assert data["household"]["name"] == "Durand"
    staff = app.test_client()
    sign_in(staff, "staff@example.org")
    assert staff.get("/foyer/mes-donnees").status_code == 302  # staff have no household
    assert staff.get("/equipe/foyers/9999").status_code == 404


def test_erasure_gives_the_household_seats_to_the_waiting_list(app, client, world, outbox,
                                                                now_in_edition):
    from tracker.models_life import EventRegistration
    from tracker.services import events as event_service

    with app.extensions["zw_db"].session() as s:
        event = event_service.create_event(
            s, s.get(Edition, world["edition"]), None, title="Atelier couture", capacity=1,
            starts_at=dt.datetime(2026, 4, 20, 16, tzinfo=dt.timezone.utc),
            ends_at=dt.datetime(2026, 4, 20, 18, tzinfo=dt.timezone.utc))
        event_service.register(s, event, s.get(Household, world["martin"]))
        event_service.register(s, event, s.get(Household, world["durand"]))
    sign_in(client, "staff@example.org")
    path = f"/equipe/foyers/{world['martin']}"
    post(client, path + "/effacer", {"confirm_name": "Martin"}, token_from=path)
    with app.extensions["zw_db"].session() as s:
        assert s.scalars(select(EventRegistration.status)).all() == ["confirmed"]
    assert "Atelier couture" in outbox.last("durand@example.org")["Subject"]


def test_staff_erase_deletes_the_scales_broker_login(app, client, world, mosquitto, mqtt_probe,
                                                    now_in_edition):
    """An erased household's scale can no longer connect to the broker."""
    from dataclasses import replace

    from tracker.services.devices import provision_device

    app.config["ZW"] = replace(app.config["ZW"], **mosquitto.config_overrides())
    with app.extensions["zw_db"].session() as s:
        _, secret = provision_device(s, s.get(Household, world["martin"]), device_id="sc-erase")
    mosquitto.add_scale("sc-erase", secret)
    assert not mqtt_probe(mosquitto, "sc-erase", secret).connack.is_failure
    sign_in(client, "staff@example.org")
    path = f"/equipe/foyers/{world['martin']}"
    assert post(client, path + "/effacer", {"confirm_name": "Martin"},
                token_from=path).status_code == 302
    assert mqtt_probe(mosquitto, "sc-erase", secret).connack.is_failure
