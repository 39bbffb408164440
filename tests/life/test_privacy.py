"""Privacy: a household downloads its data, asks for erasure; staff erase; the audit log."""
from __future__ import annotations

import datetime as dt
import csv
import io
import json
import zipfile

from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.life.helpers import post, text
from tracker.models import Account, Edition, Household, WeighIn
from tracker.models import AuditEntry, LoginToken, OutgoingMail
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
    weights = [row["weight_g"] for row in csv.DictReader(io.StringIO(weighins_csv))]
    assert weights == ["4200"]  # not Durand's 999 (a timestamp may hold "999")


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
    listing = text(staff.get("/equipe/defis/defi-2026/foyers"))
    assert "Martin" in listing and "/equipe/defis/defi-2026/foyers/%d/fiche" % world["martin"] in listing
    path = f"/equipe/defis/defi-2026/foyers/{world['martin']}/fiche"
    # the wrong name does nothing
    post(staff, path.replace("/fiche", "/effacer"), {"confirm_name": "martin"}, token_from=path)
    with app.extensions["zw_db"].session() as s:
        assert s.get(Household, world["martin"]) is not None
    response = post(staff, path.replace("/fiche", "/effacer"), {"confirm_name": "Martin"}, token_from=path)
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
    assert "Foyer effacé avec toutes ses données." in log
    assert "foyer n° %d (effacé)" % world["martin"] in log and "household.erase" not in log


def test_staff_reminder_switch_invite_and_export_are_logged(app, staff, world, outbox,
                                                            now_in_edition):
    path = f"/equipe/defis/defi-2026/foyers/{world['durand']}/fiche"
    assert staff.get(path).status_code == 200
    post(staff, path.replace("/fiche", "/rappels"), token_from=path)  # unchecked: off
    post(staff, path.replace("/fiche", "/inviter"), {"email": "camille.durand@example.org"},
         token_from=path)
    assert staff.get(path.replace("/fiche", "/export.json")).status_code == 200
    with app.extensions["zw_db"].session() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["household.reminders", "household.invite_member", "household.export"]
    assert outbox.to("camille.durand@example.org")


def test_privacy_pages_access_rules(app, client, world, now_in_edition):
    family_only = ["/foyer/mes-donnees", "/foyer/mes-donnees.json", "/foyer/mes-donnees.zip"]
    staff_only = ["/equipe/defis/defi-2026/foyers", f"/equipe/defis/defi-2026/foyers/{world['martin']}/fiche",
                  f"/equipe/defis/defi-2026/foyers/{world['martin']}/export.json", "/equipe/journal"]
    for path in family_only + staff_only:
        assert "/connexion" in client.get(path).headers["Location"], path
    sign_in(client, "durand@example.org")
    for path in staff_only:
        assert client.get(path).status_code == 403, path
    assert post(client, f"/equipe/defis/defi-2026/foyers/{world['martin']}/effacer",
                {"confirm_name": "Martin"}, token_from="/pesee").status_code == 403
    data = json.loads(client.get("/foyer/mes-donnees.json").get_data(as_text=True))
    assert data["household"]["name"] == "Durand"
    staff = app.test_client()
    sign_in(staff, "staff@example.org")
    assert staff.get("/foyer/mes-donnees").status_code == 302  # staff have no household
    assert staff.get("/equipe/defis/defi-2026/foyers/9999/fiche").status_code == 404


def test_erasure_gives_the_household_seats_to_the_waiting_list(app, client, world, outbox,
                                                                now_in_edition):
    from tracker.models import EventRegistration
    from tracker.services import events as event_service

    with app.extensions["zw_db"].session() as s:
        event = event_service.create_event(
            s, s.get(Edition, world["edition"]), None, title="Atelier couture", capacity=1,
            starts_at=dt.datetime(2026, 4, 20, 16, tzinfo=dt.timezone.utc),
            ends_at=dt.datetime(2026, 4, 20, 18, tzinfo=dt.timezone.utc))
        event_service.register(s, event, s.get(Household, world["martin"]))
        event_service.register(s, event, s.get(Household, world["durand"]))
    sign_in(client, "staff@example.org")
    path = f"/equipe/defis/defi-2026/foyers/{world['martin']}/fiche"
    post(client, path.replace("/fiche", "/effacer"), {"confirm_name": "Martin"}, token_from=path)
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
    path = f"/equipe/defis/defi-2026/foyers/{world['martin']}/fiche"
    assert post(client, path.replace("/fiche", "/effacer"), {"confirm_name": "Martin"},
                token_from=path).status_code == 302
    assert mqtt_probe(mosquitto, "sc-erase", secret).connack.is_failure


# --- erasure leaves no trace: every table, the SQLite file and its WAL, the outbox ---------

GONE = {"name": "Quenouillard", "email": "quenouillard@example.net",
        "second": "zoe.quenouillard@example.net", "scale": "qnl-7x", "old_scale": "qnl-old9"}


def _household_with_everything(app, client, world):
    """A household that left a trace in every place the app writes: returns its id."""
    from tracker.models import DeadLetter, Device
    from tracker.models import Enrolment
    from tracker.services import audit, events as event_service, teams
    from tracker.services.devices import provision_device, revoke_device
    from tracker.services.ingest import Refusal, keep_dead_letters
    from tracker.services.preferences import household_settings

    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, world["edition"])
        home = services.create_household(s, edition, name=GONE["name"], persons=2,
                                         commune="Gif")
        home.emails = GONE["email"]
        account = services.create_account(s, email=GONE["email"], password="pw-123456789",
                                          household=home)
        account.display_name = f"Zoé {GONE['name']}"
        services.record_weighin(s, home, stream="residual", weight_g=1500, source="web",
                                check_median=False, note=f"chez {GONE['name']}",
                                measured_at=dt.datetime(2026, 3, 3, 9, tzinfo=PARIS))
        s.add(Enrolment(edition_id=edition.id, household_name=GONE["name"], persons=2,
                        commune="Gif", email=GONE["email"], consent_at=clock_now(),
                        status="approved", household_id=home.id))
        for scale in (GONE["scale"], GONE["old_scale"]):
            provision_device(s, home, device_id=scale)
            audit.record_command(s, "device.pair", edition_id=edition.id,
                                 household_id=home.id, device=scale)
        provision_device(s, s.get(Household, world["durand"]), device_id="dur-1")
        refusal = Refusal(topic=f"zw/scales/{GONE['scale']}/weighin",
                          payload=b'{"seq": 1, "note": "' + GONE["scale"].encode() + b'"}',
                          reason="bad payload", device_id=GONE["scale"])
        keep_dead_letters(s, [refusal, Refusal(topic="zw/scales/dur-1/weighin",
                                               payload=b"{}", reason="bad", device_id="dur-1")])
        revoke_device(s, GONE["scale"])
        audit.record_command(s, "device.revoke", household_id=home.id, device=GONE["scale"])
        # refused after the revocation; the second has its id only in the topic
        keep_dead_letters(s, [Refusal(topic=f"zw/scales/{GONE['scale']}/weighin",
                                      payload=b'{"seq": 2}', reason="revoked",
                                      device_id=GONE["scale"]),
                              Refusal(topic=f"zw/scales/{GONE['scale']}/status",
                                      payload=b"online", reason="odd")])
        s.execute(DeadLetter.__table__.update().where(DeadLetter.payload == "online")
                  .values(device_id=None))
        # the older scale was removed from the table; its pairing is in the audit log only
        keep_dead_letters(s, [Refusal(topic=f"zw/scales/{GONE['old_scale']}/weighin",
                                      payload=b"[]", reason="x", device_id=GONE["old_scale"])])
        s.delete(s.get(Device, GONE["old_scale"]))
        event = event_service.create_event(
            s, edition, None, title="Atelier vrac", capacity=5,
            starts_at=dt.datetime(2026, 4, 20, 16, tzinfo=dt.timezone.utc),
            ends_at=dt.datetime(2026, 4, 20, 18, tzinfo=dt.timezone.utc))
        event_service.register(s, event, home)
        teams.assign(s, home, teams.create_team(s, edition, "Les Vracs"))
        household_settings(s, home).erasure_requested_at = clock_now()
        # the tables added with the coverage, sessions and API tokens: text naming them in each
        from tracker.models import ApiToken
        from tracker.services import coverage, sessions
        from tracker.services.device_rate import add_counts, hour_of

        coverage.declare_absence(s, home, date_from=dt.date(2026, 3, 9),
                                 date_to=dt.date(2026, 3, 10), actor=account)
        staff = s.scalar(select(Account).where(Account.email == "staff@example.org"))
        coverage.accept_month(s, home, month=1, reason=f"{GONE['name']} en vacances, "
                              f"écrit à {GONE['email']}", actor=staff)
        sessions.open_sign_in(s, account, label=f"téléphone de {GONE['name']}")
        s.add(ApiToken(account_id=account.id, name=f"tableur {GONE['name']}",
                       token_hash="e" * 64))
        add_counts(s, {(GONE["scale"], hour_of(dt.datetime(2026, 3, 3, 9, tzinfo=PARIS))): 1})
        hid = home.id
    post(client, "/connexion/lien", {"email": GONE["email"]})      # a sign-in link mailed
    path = f"/equipe/defis/defi-2026/foyers/{hid}/fiche"
    post(client, path.replace("/fiche", "/inviter"), {"email": GONE["second"]}, token_from=path)
    return hid


def clock_now():
    from tracker import clock

    return clock.now()


def _text_columns_holding(app, needle: str) -> list[str]:
    """Every table.column whose text (JSON included) holds the needle, any case."""
    from sqlalchemy import JSON, String, Text, cast

    from tracker.models import Base

    found = []
    with app.extensions["zw_db"].session() as s:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, (String, Text, JSON)):
                    continue
                value = func.lower(cast(column, Text))
                if s.scalar(select(func.count()).select_from(table)
                            .where(value.contains(needle.lower()))):
                    found.append(f"{table.name}.{column.name}")
    return found


def test_erasure_leaves_no_trace_in_tables_storage_or_outbox(app, client, world, outbox,
                                                            now_in_edition):
    from tracker.models import DeadLetter, Device

    sign_in(client, "staff@example.org")
    hid = _household_with_everything(app, client, world)
    needles = [GONE["name"], GONE["email"], GONE["second"], GONE["scale"], GONE["old_scale"]]
    assert outbox.to(GONE["email"]) and outbox.to(GONE["second"])
    (outbox.folder / "20260101-000000-999999.eml").write_text(  # a copy whose row is gone
        f"To: {GONE['email']}\nSubject: x\n\nhello\n")
    assert set(_text_columns_holding(app, GONE["scale"])) >= {"dead_letters.topic",
                                                              "audit_log.details"}
    seeded = {c for n in needles for c in _text_columns_holding(app, n)}
    assert {"absences.created_by", "accepted_months.reason", "sign_ins.label",
            "api_tokens.name", "device_rates.device_id"} <= seeded
    with app.extensions["zw_db"].session() as s:
        logged = s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.household_id == hid))

    # as in a database that has lived: the rows are in the file itself, not only in the WAL
    from tracker.db import checkpoint

    assert checkpoint(app.extensions["zw_db"].engine)
    path = f"/equipe/defis/defi-2026/foyers/{hid}/fiche"
    assert post(client, path.replace("/fiche", "/effacer"), {"confirm_name": GONE["name"]},
                token_from=path).status_code == 302

    url = app.extensions["zw_db"].url
    if url.startswith("sqlite"):  # the file's bytes, free pages and the write-ahead log too
        from pathlib import Path

        db_file = Path(url.split("///", 1)[1])
        raw = b"".join(p.read_bytes() for p in (db_file, Path(f"{db_file}-wal"))
                       if p.exists()).lower()
        assert raw, "the database file was not read"
        assert b"durand@example.org" in raw  # the search does find what is there
        for needle in needles:
            assert needle.lower().encode() not in raw, f"{needle} left in the SQLite files"
    for needle in needles:
        assert _text_columns_holding(app, needle) == [], needle
    for message in outbox.messages():
        assert all(n.lower() not in message.as_string().lower() for n in needles)
    with app.extensions["zw_db"].session() as s:
        # the facts stay: every audit entry of the household, with its action
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.household_id == hid)
                            .order_by(AuditEntry.id)).all()
        assert len(actions) == logged + 1 and actions[-1] == "household.erase"
        assert {"device.pair", "device.revoke", "household.invite_member"} <= set(actions)
        pairing = s.scalar(select(AuditEntry).where(AuditEntry.action == "device.pair"))
        assert pairing.details["device"] == "[erased]"
        erase = s.scalar(select(AuditEntry).where(AuditEntry.action == "household.erase"))
        assert erase.details["dead_letters"] == 4
        # another household's scale and refusals are untouched
        assert s.get(Device, "dur-1") is not None
        assert s.scalars(select(DeadLetter.device_id)).all() == ["dur-1"]


def test_every_reference_to_a_household_account_or_scale_goes_with_it():
    """A table added later that points at a household, an account or a scale must cascade or
    let go (SET NULL), or erasure would fail or leave it behind; the audit log's household id
    has no foreign key on purpose (the entry outlives the household)."""
    from tracker.models import Base

    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name in ("households", "accounts", "devices"):
                assert fk.ondelete in ("CASCADE", "SET NULL"), f"{table.name}.{fk.parent.name}"


def test_audit_anonymisation_replaces_whole_identifiers_only():
    """"sc-1" is not in "sc-10", "Martin" not in "Martinez"; any case; nested values too."""
    from tracker.services.erasure import Traces, _pattern, _scrub

    traces = Traces(1, frozenset({5}), frozenset({"martin@example.org"}), frozenset({"Martin"}),
                    frozenset({"sc-1"}))
    details = {"device": "sc-1", "other": "sc-10", "note": ["famille MARTIN", "Martinez"],
               "to": "Martin@Example.org", "n": 3}
    assert _scrub(details, _pattern(traces)) == {
        "device": "[erased]", "other": "sc-10", "note": ["famille [erased]", "Martinez"],
        "to": "[erased]", "n": 3}


def test_the_download_holds_the_households_absences_accepted_months_sign_ins_and_tokens(
        app, client, world, now_in_edition):
    """Right of access: what the household declared or staff decided about it (absences,
    accepted months with their reason), and the members' signed-in browsers and API tokens
    (names and dates, never a hash); another household's are not in it."""
    from tracker.services import coverage
    from tracker.models import AcceptedMonth, Absence, ApiToken

    with app.extensions["zw_db"].session() as s:
        martin, durand = s.get(Household, world["martin"]), s.get(Household, world["durand"])
        coverage.declare_absence(s, martin, date_from=dt.date(2026, 3, 10),
                                 date_to=dt.date(2026, 3, 16), actor_name="zw (test)")
        coverage.declare_absence(s, durand, date_from=dt.date(2026, 3, 20),
                                 date_to=dt.date(2026, 3, 21), actor_name="zw (test)")
        coverage.accept_month(s, martin, month=1, reason="=HYPERLINK(\"x\") balance en panne",
                              actor_name="zw (test)")
        account = s.scalar(select(Account).where(Account.email == "martin@example.org"))
        s.add(ApiToken(account_id=account.id, name="tableur maison", token_hash="f" * 64))
        s.commit()
        assert s.scalar(select(func.count(Absence.id))) == 2
        assert s.scalar(select(func.count(AcceptedMonth.id))) == 1
    sign_in(client, "martin@example.org")
    body = client.get("/foyer/mes-donnees.json").get_data(as_text=True)
    data = json.loads(body)
    assert [(a["date_from"], a["date_to"]) for a in data["absences"]] == [
        ("2026-03-10", "2026-03-16")]
    assert [(m["month"], m["reason"]) for m in data["accepted_months"]] == [
        (1, "=HYPERLINK(\"x\") balance en panne")]
    assert [t["name"] for t in data["api_tokens"]] == ["tableur maison"]
    assert data["sign_ins"] and all(set(i) == {"member", "label", "created_at"}
                                    for i in data["sign_ins"])
    assert "f" * 64 not in body
    archive = zipfile.ZipFile(io.BytesIO(client.get("/foyer/mes-donnees.zip").data))
    assert {"absences.csv", "accepted_months.csv", "api_tokens.csv",
            "sign_ins.csv"} <= set(archive.namelist())
    absences_csv = archive.read("absences.csv").decode("utf-8-sig")
    assert "2026-03-10" in absences_csv and "2026-03-20" not in absences_csv
    reason_cell = archive.read("accepted_months.csv").decode("utf-8-sig").splitlines()[1]
    assert "=HYPERLINK" in reason_cell and ",=HYPERLINK" not in reason_cell  # neutralised
