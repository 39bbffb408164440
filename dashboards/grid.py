"""The vectorised core of the method: weigh-ins and person-days on a household × month grid.

Dates are handled as int64 day numbers (days since 1970-01-01, local to the edition), so a
weigh-in finds its month by ``searchsorted`` and every sum is one ``np.bincount``.
"""
from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd

from .edition import EditionParams, month_dates

log = logging.getLogger(__name__)

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_NS_PER_DAY = 86_400_000_000_000
_FAR_PAST = np.iinfo(np.int64).min // 4
_FAR_FUTURE = np.iinfo(np.int64).max // 4


def _day(d: dt.date) -> int:
    """Day number since 1970-01-01 of a date."""
    return d.toordinal() - _EPOCH_ORDINAL


def _days_of(values: pd.Series, missing: int) -> np.ndarray:
    """Day numbers of a column of dates/datetimes (floored to the day); ``missing`` for NaT."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "M":  # naive datetime64
        days = values.to_numpy().astype("datetime64[D]")  # numpy floors to the day
        return np.where(np.isnat(days), missing, days.astype(np.int64))
    ts = pd.to_datetime(values)
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)
    ns = ts.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    out = np.floor_divide(ns, _NS_PER_DAY)
    return np.where(ts.isna().to_numpy(), missing, out)


def local_days(measured_at: pd.Series, timezone: str) -> np.ndarray:
    """Local day numbers (days since 1970-01-01 in ``timezone``) of UTC instants."""
    ts = measured_at
    if not pd.api.types.is_datetime64_any_dtype(ts):
        ts = pd.to_datetime(ts, utc=True)
    elif ts.dt.tz is None:
        ts = ts.dt.tz_localize("UTC")
    local = ts.dt.tz_convert(timezone).dt.tz_localize(None)
    ns = local.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return np.where(local.isna().to_numpy(), _FAR_PAST, np.floor_divide(ns, _NS_PER_DAY))


def merge_ranges(h: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Overlapping or touching day ranges ``[lo, hi)`` of the same household merged into one
    (two declarations of the same week count its dates once); ``h < 0`` and empty ranges go."""
    ok = (h >= 0) & (hi > lo)
    h, lo, hi = h[ok], lo[ok], hi[ok]
    if not len(h):
        return h, lo, hi
    order = np.lexsort((lo, h))
    h, lo, hi = h[order], lo[order], hi[order]
    reach = pd.Series(hi).groupby(h).cummax().to_numpy()
    prev = np.r_[_FAR_PAST, reach[:-1]]
    new = np.r_[True, h[1:] != h[:-1]] | (lo > prev)
    return h[new], lo[new], np.maximum.reduceat(hi, np.flatnonzero(new))


class Grid:
    """The dense household × started-month grid and the weigh-ins placed on it."""

    def __init__(self, weighins, sizes, households, params: EditionParams, as_of: dt.date,
                 absences=None, accepted=None, cells=None):
        self.params = params
        self.as_of = as_of
        started = [b for b in month_dates(params) if b[1] <= as_of]
        self.months = np.array([b[0] for b in started], dtype=np.int64)
        self.starts = [b[1] for b in started]
        self.ends = [b[2] for b in started]
        hh = households.sort_values("household_id", kind="stable").reset_index(drop=True)
        if hh["household_id"].duplicated().any():
            raise ValueError("households: household_id must be unique")
        self.ids = hh["household_id"].to_numpy(dtype=np.int64)
        self.names = hh["name"].to_numpy(dtype=object)
        self.H, self.M = len(hh), len(started)
        self.index = pd.Index(self.ids)
        if "joined_on" in hh.columns:
            self.joined = _days_of(hh["joined_on"], _FAR_PAST)
        else:
            self.joined = np.full(self.H, _FAR_PAST, dtype=np.int64)
        self.ms = np.array([_day(d) for d in self.starts], dtype=np.int64)
        self.me = np.array([_day(d) for d in self.ends], dtype=np.int64)
        self.asof_end = _day(as_of) + 1  # as_of inclusive
        #: months whose last date is on or before as_of: the ones ``cells`` stand for
        self.over = self.me <= self.asof_end
        if cells is not None and "joined_on" in hh.columns:
            raise ValueError("cells: not with joined_on (a cell cannot be cut at a date)")
        self._person_days(sizes)
        self._place(weighins, cells)
        self._absences(absences)
        self._coverage(accepted)
        self._columns = self._grid_columns()  # both tables of the method start from these

    def _person_days(self, sizes):
        """Person-days and counted days per cell, by interval overlap arithmetic."""
        H, M = self.H, self.M
        h = np.repeat(np.arange(H), M)
        m = np.tile(np.arange(M), H)
        ws = np.maximum(self.ms[m], self.joined[h])
        we = np.minimum(self.me[m], self.asof_end)
        self.days = np.clip(we - ws, 0, None)
        sh = self.index.get_indexer(sizes["household_id"].to_numpy())
        ok = sh >= 0
        # by household then date, the later row winning on a date (numpy: no frame to build)
        sh, sday = sh[ok], _days_of(sizes["valid_from"][ok], _FAR_PAST)
        sp = sizes["persons"].to_numpy(dtype=np.int64)[ok]
        order = np.lexsort((np.arange(len(sh)), sday, sh))
        sh, sday, sp = sh[order], sday[order], sp[order]
        keep = np.r_[(sh[1:] != sh[:-1]) | (sday[1:] != sday[:-1]), True] if len(sh) else \
            np.zeros(0, bool)
        sh, sday, sp = sh[keep], sday[keep], sp[keep]
        self._ws, self._we = ws, we
        first = np.r_[True, sh[1:] != sh[:-1]] if len(sh) else np.zeros(0, bool)
        last = np.r_[sh[1:] != sh[:-1], True] if len(sh) else np.zeros(0, bool)
        seg_start = np.where(first, _FAR_PAST, sday)
        seg_end = np.where(last, _FAR_FUTURE, np.r_[sday[1:], 0] if len(sday) else sday)
        missing = np.setdiff1d(np.arange(H), sh)
        if len(missing):
            log.warning("%d household(s) without any size entry: no data", len(missing))
        # every segment against every started month of its household
        rh, rm = np.repeat(sh, M), np.tile(np.arange(M), len(sh))
        key = rh * M + rm
        lo = np.maximum(np.repeat(seg_start, M), ws[key] if len(key) else ws[:0])
        hi = np.minimum(np.repeat(seg_end, M), we[key] if len(key) else we[:0])
        overlap = np.clip(hi - lo, 0, None)
        self._segments = (sh, seg_start, seg_end, sp)  # absences take their persons off
        self.person_days = np.bincount(
            key, weights=np.repeat(sp, M) * overlap, minlength=H * M
        ).astype(np.int64)

    def _place(self, w, cells=None):
        """Month cell, counted flag and stream code of every weigh-in that belongs somewhere.

        With ``cells``, the months over by as_of come from them (`_cell_rows`) and raw rows
        dated in those months are ignored: raw rows stand for the month in progress only.
        ``n`` is how many weigh-ins a row stands for (None: one each, all raw)."""
        H, M = self.H, self.M
        h = self.index.get_indexer(w["household_id"].to_numpy())
        day = local_days(w["measured_at"], self.params.timezone)
        m = np.searchsorted(self.ms, day, side="right") - 1
        ok = (h >= 0) & (m >= 0) & (day < (self.me[-1] if M else _FAR_PAST))
        ok &= day < self.asof_end
        if cells is not None and M:
            ok &= ~self.over[np.clip(m, 0, M - 1)]
        joined = self.joined[np.maximum(h, 0)] if H else np.full(len(h), _FAR_FUTURE)
        ok &= day >= np.where(h >= 0, joined, _FAR_FUTURE)
        status = w["status"].to_numpy()[ok]
        stcodes, stuniq = pd.factorize(status)
        stuniq = np.asarray(stuniq)
        raw = {"cell": (h * M + m)[ok], "day": day[ok], "stream": w["stream"].to_numpy()[ok],
               "accepted": np.isin(stcodes, np.flatnonzero(stuniq == "accepted")),
               "flagged": np.isin(stcodes, np.flatnonzero(stuniq == "flagged")),
               "rejected": np.isin(stcodes, np.flatnonzero(stuniq == "rejected")),
               "grams": w["weight_g"].to_numpy(dtype=np.float64)[ok]}
        parts = [raw] if cells is None else [raw, self._cell_rows(cells)]
        codes, uniques = zip(*(p["stream_codes"] if "stream_codes" in p
                               else pd.factorize(p["stream"]) for p in parts))
        streams = pd.Index(np.concatenate([np.asarray(u, dtype=object) for u in uniques])
                           ).unique()
        self.streams = np.asarray(streams, dtype=object)
        self.stream_code = np.concatenate(
            [streams.get_indexer(np.asarray(u, dtype=object))[c] if len(c) else c
             for c, u in zip(codes, uniques)]).astype(np.int64)
        for name in ("cell", "day", "accepted", "flagged", "rejected", "grams"):
            setattr(self, name, np.concatenate([p[name] for p in parts]))
        self.n = None if cells is None else np.concatenate(
            [np.ones(len(raw["cell"]), np.int64), parts[1]["n"]])
        counted_codes = np.array([s in self.params.counted_streams for s in self.streams], bool)
        self.counted = counted_codes[self.stream_code] if len(self.stream_code) else \
            np.zeros(0, bool)

    def _cell_rows(self, cells) -> dict:
        """Rows standing for the aggregate cells of the months over: per cell, one accepted
        counted row per week block (its weigh-ins; the grams on the first), one accepted
        diverted row, one flagged and one rejected row, each dated on its block's (month's)
        first day; rows that stand for nothing are left out. Counted rows carry the first
        counted bin's name, the others an empty name (no per-bin figures from cells), given
        as ``stream_codes``: what ``pd.factorize`` of those names gives."""
        M = self.M
        ch = self.index.get_indexer(cells["household_id"].to_numpy())
        month = cells["month"].to_numpy(dtype=np.int64)
        ok = (ch >= 0) & (month >= 1) & (month <= M)
        ok[ok] &= self.over[month[ok] - 1]
        cell, base = ch[ok] * M + month[ok] - 1, self.ms[month[ok] - 1]

        def col(name, kind=np.int64):
            return cells[name].to_numpy(dtype=kind)[ok]

        k = len(cell)
        blocks = np.stack([col(f"w{b}") for b in (1, 2, 3, 4)], axis=1).ravel()
        grams = np.zeros((k, 4), np.float64)
        grams[:, 0] = col("grams", np.float64)
        n = np.concatenate([blocks, col("diverted"), col("flagged"), col("rejected")])
        g = np.concatenate([grams.ravel(), col("diverted_grams", np.float64), np.zeros(2 * k)])
        keep = (n > 0) | (g > 0)
        kind = np.repeat([0, 1, 2, 3], [4 * k, k, k, k])[keep]
        # the bins' names as pd.factorize gives them (codes, uniques in first-seen order),
        # without building and hashing an object array of every row: counted or ""
        other = kind != 0
        names = {False: self.params.counted_streams[0], True: ""}
        seen = [] if not len(other) else [bool(other[0])] + (
            [not other[0]] if (other != other[0]).any() else [])
        stream_codes = ((other != other[0]).astype(np.intp) if len(other) else
                        np.zeros(0, np.intp), np.array([names[v] for v in seen], dtype=object))
        return {
            "cell": np.concatenate([np.repeat(cell, 4), cell, cell, cell])[keep],
            "day": np.concatenate([(base[:, None] + np.array([0, 7, 14, 21])).ravel(),
                                   base, base, base])[keep],
            "stream_codes": stream_codes,
            "accepted": kind <= 1, "flagged": kind == 2, "rejected": kind == 3,
            "grams": g[keep], "n": n[keep],
        }

    def _absences(self, absences):
        """Absent dates per cell (counted dates only) and per week block (all its dates);
        absent days leave the person-days."""
        HM = self.H * self.M
        self.absent_days = np.zeros(HM, np.int64)
        self.block_absent = np.zeros(HM * 4, np.int64)
        if absences is None or not len(absences) or not HM:
            return
        ih, lo, hi = merge_ranges(self.index.get_indexer(absences["household_id"].to_numpy()),
                                  _days_of(absences["date_from"], _FAR_FUTURE),
                                  _days_of(absences["date_to"], _FAR_PAST) + 1)
        M = self.M
        rh, rm = np.repeat(ih, M), np.tile(np.arange(M), len(ih))
        key = rh * M + rm
        olo = np.maximum(np.repeat(lo, M), self._ws[key])
        ohi = np.minimum(np.repeat(hi, M), self._we[key])
        self.absent_days = np.bincount(key, weights=np.clip(ohi - olo, 0, None),
                                       minlength=HM).astype(np.int64)
        # the persons of each absent date: the absences cut by the size segments
        sh, s0, s1, sp = self._segments
        pieces = pd.DataFrame({"h": ih, "lo": lo, "hi": hi}).merge(
            pd.DataFrame({"h": sh, "s0": s0, "s1": s1, "p": sp}), on="h")
        plo = np.maximum(pieces["lo"].to_numpy(), pieces["s0"].to_numpy())
        phi = np.minimum(pieces["hi"].to_numpy(), pieces["s1"].to_numpy())
        ph, pp = pieces["h"].to_numpy(), pieces["p"].to_numpy()
        pkey = np.repeat(ph, M) * M + np.tile(np.arange(M), len(ph))
        plo2 = np.maximum(np.repeat(plo, M), self._ws[pkey] if len(pkey) else plo[:0])
        phi2 = np.minimum(np.repeat(phi, M), self._we[pkey] if len(pkey) else phi[:0])
        self.person_days = self.person_days - np.bincount(
            pkey, weights=np.repeat(pp, M) * np.clip(phi2 - plo2, 0, None), minlength=HM
        ).astype(np.int64)
        bs, be = self.block_bounds()
        bkey = np.repeat(key, 4) * 4 + np.tile(np.arange(4), len(key))
        cell_blocks = np.repeat(rm, 4) * 4 + np.tile(np.arange(4), len(key))
        blo = np.maximum(np.repeat(np.repeat(lo, M), 4), bs[cell_blocks])
        bhi = np.minimum(np.repeat(np.repeat(hi, M), 4), be[cell_blocks])
        self.block_absent = np.bincount(bkey, weights=np.clip(bhi - blo, 0, None),
                                        minlength=HM * 4).astype(np.int64)

    def block_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (exclusive) day numbers of the 4 week blocks of every started month,
        flattened month-major (month m, block b at m * 4 + b)."""
        starts = self.ms[:, None] + np.array([0, 7, 14, 21])
        ends = np.concatenate([self.ms[:, None] + np.array([7, 14, 21]), self.me[:, None]], 1)
        return starts.ravel(), ends.ravel()

    def _coverage(self, accepted):
        """Started and covered week blocks, and the months staff accepted, per cell."""
        H, M = self.H, self.M
        bs, be = self.block_bounds()
        bs, be = np.tile(bs, H), np.tile(be, H)
        joined = np.repeat(self.joined, M * 4)
        # a block has started on its first date; one wholly before the household joined never
        self.block_started = (bs < self.asof_end) & (be > joined)
        mask = self.accepted & self.counted
        # the week block (0..3) of a weigh-in: days 1-7, 8-14, 15-21, 22 to the month's end
        cell = self.cell[mask]
        block = cell * 4 + np.minimum((self.day[mask] - self.ms[cell % M]) // 7, 3)
        self.block_weighins = np.bincount(block, weights=self.weights(mask),
                                          minlength=H * M * 4).astype(np.int64)
        self.block_covered = self.block_started & (
            (self.block_weighins > 0) | (2 * self.block_absent >= be - bs))
        self.weeks = self.block_started.reshape(-1, 4).sum(axis=1).astype(np.int64)
        self.weeks_covered = self.block_covered.reshape(-1, 4).sum(axis=1).astype(np.int64)
        self.staff_accepted = np.zeros(H * M, bool)
        if accepted is not None and len(accepted) and H * M:
            ah = self.index.get_indexer(accepted["household_id"].to_numpy())
            am = np.searchsorted(self.months, accepted["month"].to_numpy(dtype=np.int64))
            ok = (ah >= 0) & (am < M)
            ok[ok] &= self.months[am[ok]] == accepted["month"].to_numpy(dtype=np.int64)[ok]
            self.staff_accepted[ah[ok] * M + am[ok]] = True

    def weights(self, mask):
        """How many weigh-ins each selected row stands for (None: one each)."""
        return None if self.n is None else self.n[mask]

    def count(self, mask, weights=None):
        """Sum (or count) over the weigh-ins selected by ``mask``, per grid cell."""
        wts = self.weights(mask) if weights is None else weights[mask]
        return np.bincount(self.cell[mask], weights=wts, minlength=self.H * self.M)

    def columns(self) -> dict:
        """Household, month and date columns of the dense grid (a new dict each call)."""
        return dict(self._columns)

    def _grid_columns(self) -> dict:
        H, M = self.H, self.M
        return {
            "household": np.repeat(self.names, M),
            "month": np.tile(self.months, H),
            "month_start": np.tile(np.array(self.starts, dtype=object), H),
            "month_end": np.tile(np.array(self.ends, dtype=object), H),
            "complete": np.tile(np.array([e <= self.as_of for e in self.ends], bool), H),
        }
