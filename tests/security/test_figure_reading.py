"""One way to read a figure (DESIGN.md "How figures read"), on everything a person reads.

A seeded edition with reliable, unreliable and too-early months, reductions and increases;
every page of every role (the access matrix's walk, plus each month of the month pickers),
the text of every chart (titles, axis titles, hover templates, annotations, tick labels) and
every mail body are scanned for:

* a hyphen-minus used as a minus before a number (``-12``, ``-3,0 kg``);
* a double negative (``−-``, ``baisse de −12 %``, ``−3 kg de déchets en plus``);
* a change in waste printed without its sign (``Réduction : 12 %``, ``objectif du mois : 6 %``);
* the month's step (``objectif du mois``, ``étape``) without the final goal (−20 %) beside it.

Edition `defi-2026` (from 2026-03-01, target −20 %), "now" 2026-06-03 12:00 Paris: June
(month 4) has 3 days, too early to tell.

| household | March (ref.)      | April                   | May                      | June      |
|-----------|-------------------|-------------------------|--------------------------|-----------|
| Martin (3)| 4 weeks, 4 kg/wk  | 4 weeks, 3 kg: −25 %    | 4 weeks, 4,8 kg: +20 %   | 1 weigh-in|
| Durand (2)| 4 weeks, 2 kg/wk  | 1 week: unreliable      | 4 weeks, 1,5 kg: −25 %   | nothing   |
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser

import pytest

from tests.security.matrix import ROLES, Context, run
from tracker import clock, services
from tracker.models import Household
from tracker.models import OutgoingMail

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
MINUS = "\u2212"
GOAL = f"{MINUS}20"

# ---------------------------------------------------------------- the rules


#: a hyphen-minus (or an en dash) used as a minus sign: at a word's start, before a digit
HYPHEN_MINUS = re.compile(r"(?:^|[\s(\[:;=>«])[-\u2013]\s?\d")
DOUBLE_NEGATIVE = [
    re.compile(rf"[{MINUS}\-]\s?[{MINUS}\-]\s?\d"),
    re.compile(rf"\b(?:baisse|réduction|diminution|recul)\s+(?:de\s+)?{MINUS}\s?\d", re.I),
    re.compile(rf"\b(?:hausse|augmentation)\s+(?:de\s+)?\+\s?\d", re.I),
    re.compile(rf"{MINUS}\s?\d[\d\s\u202f\u00a0,]*\s?(?:kg|g|%)?\s+(?:de\s+déchets\s+)?en\s+plus",
               re.I),
    re.compile(r"\+\s?\d[\d\s\u202f\u00a0,]*\s?(?:kg|g|%)?\s+(?:de\s+déchets\s+)?en\s+moins",
               re.I),
]
#: words that say a percentage is a change in waste (so it must carry its sign)
CHANGE_WORDS = re.compile(
    r"\b(?:réduction|évolution|objectif|étape|changement|variation|reduction|change|target|"
    r"goal|step)\b", re.I)
#: a percentage with no sign before it (0 % needs none)
UNSIGNED_PCT = re.compile(r"(?<![\d,+\u2212\-.])(?!0(?:,0+)?\s?%)(\d+(?:,\d+)?)[\s\u202f\u00a0]?%")
#: a percentage said in words carries its sign in the words
SIGN_IN_WORDS = re.compile(r"%\s+(?:de\s+(?:déchets\s+)?)?(?:en\s+)?(?:moins|plus|less|more)\b",
                           re.I)
#: the month's step on the target path
MONTH_STEP = re.compile(r"objectif du mois|étape du mois|month's step|target of the month",
                        re.I)


def problems_in(where: str, text: str, step: bool = True) -> list[str]:
    """What one block of text (a sentence, a table row, a hover template) breaks; `step`:
    check here that the month's step has the goal beside it (pages check it by block)."""
    text = " ".join(text.replace("\u00a0", "\u00a0").split(" ")).strip()
    if not text:
        return []
    found = []
    if HYPHEN_MINUS.search(text):
        found.append(f"{where}: hyphen used as a minus: {text!r}")
    for rule in DOUBLE_NEGATIVE:
        if rule.search(text):
            found.append(f"{where}: double negative: {text!r}")
    if CHANGE_WORDS.search(text):
        for match in UNSIGNED_PCT.finditer(text):
            if not SIGN_IN_WORDS.match(text, match.end() - 1):
                found.append(f"{where}: a change in % without its sign: {text!r}")
                break
    if step and step_without_goal(text):
        found.append(f"{where}: the month's step without the goal ({GOAL} %): {text!r}")
    return found


def step_without_goal(text: str) -> bool:
    return bool(MONTH_STEP.search(text)) and GOAL not in text


# ---------------------------------------------------------------- reading pages and charts

BLOCKS = {"p", "li", "tr", "caption", "h1", "h2", "h3", "h4", "dt", "dd", "figcaption",
          "summary", "label", "legend", "option", "title", "div", "section", "th", "button",
          "a", "span", "td"}
SKIPPED = {"style"}


class Blocks(HTMLParser):
    """The text of a page cut in blocks, the smallest element holding each piece of text,
    plus the title and aria-label attributes and the JSON of every chart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[list] = []  # [tag, has a block inside, text parts...]
        self.blocks: list[str] = []
        self.steps: list[str] = []  # the month's step with no goal in its block or around
        self.charts: list[str] = []
        self._script: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("title", "aria-label", "alt", "placeholder"):
            if a.get(name):
                self.blocks.append(a[name])
        if tag == "script":
            self._script = [] if "data-plotly-figure" in a else None
            self._skip += 1
        elif tag in SKIPPED:
            self._skip += 1
        elif tag in BLOCKS:
            if self.stack:
                self.stack[-1][1] = True
            self.stack.append([tag, False, []])

    def handle_endtag(self, tag):
        if tag == "script":
            if self._script is not None:
                self.charts.append("".join(self._script))
            self._script = None
            self._skip -= 1
        elif tag in SKIPPED:
            self._skip -= 1
        elif tag in BLOCKS and self.stack:
            name, inner, pending, *parts = self.stack.pop()
            text = html.unescape("".join(parts))
            # the smallest blocks, and a table row read whole (its cells side by side)
            if not inner or name == "tr":
                self.blocks.append(text)
            # the month's step: the goal in the same block, or in the block around it
            if pending and GOAL not in text:
                self.steps += pending
            if not inner and step_without_goal(text):
                if self.stack:
                    self.stack[-1][2].append(text)
                else:
                    self.steps.append(text)
            if self.stack:
                self.stack[-1].append(" " + text + " ")

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        elif not self._skip and self.stack:
            self.stack[-1].append(data)


def chart_texts(figure: dict) -> list[str]:
    """Every string of a figure a person may read (not the template, not the data values)."""
    texts = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("template", "config", "marker", "line", "x", "y", "customdata",
                         "legendgroup", "type", "mode", "uid", "meta"):
                    continue
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key not in ("hovermode", "barmode", "separators",
                                                    "orientation", "yanchor", "xanchor"):
            texts.append(re.sub(r"<[^>]+>", " ", node))

    walk({"data": figure.get("data"), "layout": figure.get("layout")})
    return texts


def page_problems(path: str, page: str) -> list[str]:
    reader = Blocks()
    reader.feed(page)
    found = []
    for block in reader.blocks:
        found += problems_in(path, html.unescape(block), step=False)
    found += [f"{path}: the month's step without the goal ({GOAL} %) beside: {t!r}"
              for t in reader.steps]
    for raw in reader.charts:
        figure = json.loads(raw)
        for text in chart_texts(figure):
            found += problems_in(f"{path} (chart)", text)
        for trace in figure.get("data", []):  # hover text given as data
            for text in trace.get("customdata") or []:
                if isinstance(text, str):
                    found += problems_in(f"{path} (chart hover)", text)
                elif isinstance(text, list):
                    found += [p for t in text if isinstance(t, str)
                              for p in problems_in(f"{path} (chart hover)", t)]
    return found


# ---------------------------------------------------------------- the seeded edition


def _at(month, day, hour=8):
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def edition(app, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    with app.extensions["zw_db"].session() as s:
        martin, durand = s.get(Household, world["martin"]), s.get(Household, world["durand"])

        def weigh(household, month, days, residual, packaging=0):
            for day in days:
                services.record_weighin(s, household, stream="residual", weight_g=residual,
                                        measured_at=_at(month, day), source="web", now=NOW)
                if packaging:
                    services.record_weighin(s, household, stream="packaging",
                                            weight_g=packaging, measured_at=_at(month, day, 9),
                                            source="web", now=NOW)

        weekly = (2, 9, 16, 23)
        weigh(martin, 3, weekly, 3000, 1000)
        weigh(martin, 4, weekly, 2200, 800)
        weigh(martin, 5, weekly, 3600, 1200)
        weigh(martin, 6, (2,), 900)
        weigh(durand, 3, (3, 10, 17, 24), 2000)
        weigh(durand, 4, (5,), 1500)
        weigh(durand, 5, (3, 10, 17, 24), 1500)
        s.commit()
    return Context(app, world)


def test_the_scan_finds_what_it_looks_for():
    bad = [
        "Ce mois-ci : -12 % par rapport au mois de référence",
        "-3,0 kg de déchets",
        "−3 kg de déchets en plus",
        "une baisse de −12 %",
        "Évolution : −-4 %",
        "Réduction : 12 %",
        f"Ce mois-ci : {MINUS}4 % ; objectif du mois : {MINUS}6 %",
    ]
    for text in bad:
        assert problems_in("/x", text), text
    good = [
        f"Ce mois-ci : {MINUS}12 % par rapport au mois de référence ; objectif du mois : "
        f"{MINUS}3 % (objectif final : {MINUS}20 %)",
        "du 2026-03-01 au 2026-03-31",
        "Semaine 8-14 : 75 % des semaines pesées",
        "Évolution : 0 %",
        "12 % de déchets en moins",
        "Batterie 80 %",
    ]
    for text in good:
        assert problems_in("/y", text) == [], text
    figure = ('<div></div><script type="application/json" data-plotly-figure="c">'
              '{"data": [{"y": [-12.0], "hovertemplate": "Cohorte : %{y:.1f} %"}], '
              '"layout": {"yaxis": {"title": {"text": "Réduction (%)"}}}}</script>')
    assert page_problems("/z", figure) == []  # "%{y:.1f} %": no figure in the text itself
    figure = figure.replace("Cohorte : %{y:.1f} %", "Cohorte : -12 %")
    assert page_problems("/z", figure)


def _months(app):
    """Extra pages: each month of the month pickers."""
    return [f"/equipe/defis/defi-2026/?mois={m}" for m in range(1, 5)]


def test_every_page_chart_and_mail_reads_one_way(app, edition):
    problems: list[str] = []
    seen = 0
    for role in ROLES:
        outcome = run(app, edition, role, safe_only=True)
        assert not outcome.problems, outcome.problems[:5]
        pages = list(outcome.pages)
        if role == "staff":
            for path in _months(app):
                response = outcome.client.get(path)
                assert response.status_code == 200, path
                pages.append((path, response.get_data(as_text=True)))
        seen += len(pages)
        for path, page in pages:
            problems += [f"{role} {p}" for p in page_problems(path, page)]
    # the family pages again on May 20th: a month judged (not too early), as a family sees it
    later = dt.datetime(2026, 5, 20, 10, 0, tzinfo=UTC)
    clock_now, clock.now = clock.now, lambda: later
    try:
        for role in ("martin", "durand"):
            outcome = run(app, edition, role, safe_only=True)
            seen += len(outcome.pages)
            assert any("étape du mois" in html.unescape(page).replace("\u00a0", " ")
                       for _, page in outcome.pages), "no judged month on the family pages"
            problems += [f"{role} (20/05) {p}" for path, page in outcome.pages
                         for p in page_problems(path, page)]
    finally:
        clock.now = clock_now
    assert seen > 60, seen
    problems += _mail_problems(app, edition)
    problems = sorted(set(problems))
    assert not problems, "\n".join([f"{len(problems)} problem(s):", *problems[:60]])


def _mail_problems(app, ctx) -> list[str]:
    """Every mail the jobs queue (reminders of the week, of silence, of workshops)."""
    from tracker.cli import reminders as cli_life

    found = []
    with app.app_context():
        session = app.extensions["zw_db"].sessionmaker()
        try:
            for when in (dt.datetime(2026, 6, 6, 7, tzinfo=UTC),
                         dt.datetime(2026, 5, 19, 7, tzinfo=UTC)):
                cli_life.send_event_reminders(session, when)
                cli_life._send_silence_reminders(session, when)
                cli_life._send_week_reminders(session, when)
            session.flush()
            mails = session.query(OutgoingMail).all()
            assert mails, "no mail queued: the scan of mails would pass on nothing"
            for mail in mails:
                for line in [mail.subject, *mail.body.splitlines()]:
                    found += problems_in(f"mail {mail.kind}", line)
        finally:
            session.rollback()
            session.close()
    return found
