"""One staff menu: every staff page, dashboards and challenge-life pages alike, shows the same
single menu, with no two entries of the same name."""
from __future__ import annotations

import re

from flask import url_for

from tests.staff.conftest import page_text

ENDPOINTS = ["staff.index", "staff_quality.index", "staff_devices.index", "staff_compare.index",
             "staff_editions.index", "staff_enrolment.index", "staff_events.index",
             "staff_news.index", "staff_talk.index", "staff_outbox.index", "staff_journal.index",
             "staff_devices.pair_form"]


def menus(text: str) -> list[list[tuple[str, str]]]:
    found = re.findall(r'<nav class="subnav staff-nav" aria-label="Menu de l\'équipe">(.*?)</nav>',
                       text, re.S)
    return [re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', menu) for menu in found]


def test_every_staff_page_shows_the_same_single_menu(app, staff, cohort):
    with app.test_request_context():
        paths = [url_for(endpoint) for endpoint in ENDPOINTS]
    seen = []
    for path in paths:
        response = staff.get(path)
        assert response.status_code == 200, path
        found = menus(page_text(response))
        assert len(found) == 1, (path, len(found))
        seen.append(found[0])
        assert 'class="nav"' in response.get_data(as_text=True)
    assert all(menu == seen[0] for menu in seen)
    labels = [label for _href, label in seen[0]]
    assert len(labels) == len(set(labels)) == 11, labels
    assert {"Éditions", "Réglages des éditions", "Balances", "Messages refusés"} - set(labels) \
        == {"Messages refusés"}  # refused messages are on the data-quality page
    hrefs = {href for href, _label in seen[0]}
    assert hrefs == set(paths[:-1])  # every entry is one of the staff pages


def test_the_header_has_one_staff_entry(staff, cohort):
    text = page_text(staff.get("/equipe/"))
    header = text[text.index('aria-label="Menu principal"'):text.index("</nav>",
                                                                     text.index('aria-label="Menu principal"'))]
    assert "Équipe" in header and "Vie du défi" not in header
