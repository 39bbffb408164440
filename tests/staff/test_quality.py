"""Data quality: flagged readings accepted or rejected (then they count, or never), dead letters."""
from __future__ import annotations

import datetime as dt
import re

from tests.staff.conftest import SLUG, csrf, page_text, without_charts
from tests.staff.test_cohort import headline
from sqlalchemy import select

from tracker.models import DeadLetter, Household, WeighIn
from tracker.models import AuditEntry

COHORT = f"/equipe/defis/{SLUG}/"


def test_flagged_readings_are_listed(staff, cohort):
    text = without_charts(page_text(staff.get("/equipe/qualite/")))
    flagged = text[text.index('id="flagged-title"'):text.index('id="letters-title"')]
    assert "Martin" in flagged and "18,000 kg" in flagged and "plus de 15 kg" in flagged
    assert "08/04/2026 10:00" in flagged  # Paris time
    assert '<span class="count">1</span>' in flagged


def review(staff, cohort, decision):
    return staff.post(f"/equipe/qualite/pesees/{cohort['flagged']}",
                      data={"csrf_token": csrf(staff), "decision": decision,
                            "next": COHORT}, follow_redirects=False)


def test_accepting_makes_the_reading_count(staff, cohort, session):
    assert headline(without_charts(page_text(staff.get(COHORT))))[
        "Évolution des déchets de la cohorte (pondérée)"] == "−12,0 %"
    response = review(staff, cohort, "accepted")
    assert response.status_code == 302 and response.headers["Location"] == COHORT
    assert session.get(WeighIn, cohort["flagged"]).status == "accepted"
    text = without_charts(page_text(staff.get(COHORT)))
    assert "Pesée de 18 kg acceptée : elle compte désormais." in text
    # Martin: (3,600 + 18,000) / 45 × 7 = 3,360 g, −380 %; cohort 1 − (3,360×3 + 1,400)/3,500
    figures = headline(text)
    # accepted, the 18 kg bin is 228 % more waste: "+228,0 %", never a minus
    assert figures["Évolution des déchets de la cohorte (pondérée)"] == "+228,0 %"
    assert figures["Foyer médian"] == "+190,0 %"
    queue = without_charts(page_text(staff.get("/equipe/qualite/")))
    assert "Rien à vérifier." in queue


def test_rejecting_keeps_it_out(staff, cohort, session):
    review(staff, cohort, "rejected")
    weighin = session.get(WeighIn, cohort["flagged"])
    assert weighin.status == "rejected"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "weighin.review")).one()
    assert entry.household_id == weighin.household_id and entry.actor.startswith("staff")
    assert entry.details == {"weighin": weighin.id, "decision": "rejected", "weight_g": 18000}
    text = without_charts(page_text(staff.get(COHORT)))
    assert "Pesée de 18 kg refusée : elle ne compte pas." in text
    assert headline(text)["Évolution des déchets de la cohorte (pondérée)"] == "−12,0 %"
    assert "Rien à vérifier." in page_text(staff.get("/equipe/qualite/"))


def test_a_bad_decision_is_refused(staff, cohort, session):
    response = staff.post(f"/equipe/qualite/pesees/{cohort['flagged']}",
                          data={"csrf_token": csrf(staff), "decision": "maybe"})
    assert response.status_code == 400
    assert session.get(WeighIn, cohort["flagged"]).status == "flagged"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "weighin.review")) is None
    assert staff.post("/equipe/qualite/pesees/99999",
                      data={"csrf_token": csrf(staff), "decision": "accepted"}
                      ).status_code == 404


def test_next_must_stay_on_this_site(staff, cohort):
    response = staff.post(f"/equipe/qualite/pesees/{cohort['flagged']}",
                          data={"csrf_token": csrf(staff), "decision": "rejected",
                                "next": "//evil.example/"})
    assert response.headers["Location"] == "/equipe/qualite/"


def add_letters(session, n):
    base = dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc)
    for i in range(n):
        session.add(DeadLetter(received_at=base + dt.timedelta(minutes=i),
                               topic=f"zw/scales/sc-{i}/weighin", device_id=f"sc-{i}",
                               payload='{"seq": %d, "note": "<script>alert(1)</script>"}' % i
                               + "x" * 1000,
                               payload_size=1050, reason=f"reason number {i}"))
    session.commit()


def test_dead_letters_latest_first_escaped_cut_and_paged(staff, cohort, session):
    add_letters(session, 30)
    raw = staff.get("/equipe/qualite/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "x" * 401 not in raw and "…" in raw
    reasons = re.findall(r"reason number (\d+)", raw)
    assert reasons == [str(i) for i in range(29, 4, -1)]  # 25 per page, latest first
    assert "zw/scales/sc-29/weighin" in raw
    second = staff.get("/equipe/qualite/?lettres=2").get_data(as_text=True)
    assert re.findall(r"reason number (\d+)", second) == ["4", "3", "2", "1", "0"]


def test_no_dead_letter(staff, cohort):
    assert "Aucun message refusé." in page_text(staff.get("/equipe/qualite/"))


def test_refused_messages_name_the_household_and_say_what_to_do(staff, cohort, session):
    from ingest.decode import decode
    from tracker.services.devices import provision_device
    from tracker.services.ingest import record_dead_letters

    provision_device(session, session.get(Household, cohort["durand"]), device_id="sc-durand")
    record_dead_letters(session, [
        decode("zw/scales/sc-durand/weighin", b'{"seq": 1, "ts": "2026-04-02T08:00:00", '
                                              b'"weight_g": 900}'),
        decode("zw/scales/ghost-1/weighin", b"{oops")])
    session.commit()
    text = page_text(staff.get("/equipe/qualite/"))
    cards = text[text.index("Messages refusés"):].split('<li class="card">')[1:]
    durand = next(card for card in cards if "sc-durand" in card)
    ghost = next(card for card in cards if "ghost-1" in card)
    assert "Durand" in durand and "Défi 2026" in durand
    assert "date et heure sans décalage (ajoutez +01:00 ou Z)" in durand
    assert "Que faire :" in durand and "réglages de la balance" in durand
    assert "associée à aucun foyer" in ghost and "JSON invalide : ligne 1, colonne 2" in ghost
    for english in ("Not a valid", "Expecting", "Lettres mortes", "ingestion"):
        assert english not in text
