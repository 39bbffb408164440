"""Weigh-event detection on recorded-style sequences and generated ones (hypothesis)."""

import random
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_bridge.detect import (DetectorConfig, RepeatFilter, WeighDetector,
                                    detect_events)

from .helpers import T0, series

CFG = DetectorConfig(threshold_g=50, tolerance_g=20, settle_s=2.0)


def weights(events):
    return [round(e.weight_g) for e in events]


def test_one_bag_placed_and_removed():
    samples = series([0, 1, 0, 1, 0, 600, 1200, 1201, 1199, 1200, 1202, 1200, 0, 0, 1, 0])
    events = detect_events(samples, CFG)
    assert weights(events) == [1200]
    assert events[0].ts == T0 + timedelta(seconds=12)  # when it came off (the model: DESIGN.md)


def test_hand_pressing_and_repeats_give_no_extra_event():
    loaded = [1200] * 5 + [3500, 4100] + [1200] * 5 + [1201] * 30  # a hand presses, lets go
    samples = series([0] * 5 + loaded + [0] * 5 + [2800, 0, 0, 0])  # a 1 s knock while empty
    [weight] = weights(detect_events(samples, CFG))
    assert abs(weight - 1200) <= 1  # the level it stood at last (1201 for 30 s)


def test_tare_drift_and_jitter_on_an_empty_scale():
    rng = random.Random(7)
    values = [0.02 * i + rng.uniform(-8, 8) for i in range(3600)]  # +72 g over an hour
    assert detect_events(series(values), CFG) == []


def test_event_is_measured_against_the_drifted_empty_level():
    values = [0.02 * i for i in range(3000)]  # the zero crept to +60 g
    values += [values[-1] + 700] * 10 + [values[-1]] * 10
    assert weights(detect_events(series(values), CFG)) == [700]


def test_empty_level_relearned_after_retare_and_start_with_load():
    # the bridge starts with a pot on the scale: that is the empty level until it goes
    samples = series([900] * 5 + [0] * 5 + [450] * 5 + [0] * 5)
    assert weights(detect_events(samples, CFG)) == [450]


def test_stacking_and_partial_removal_give_one_weigh_in_of_the_top_level():
    # Was one event per increase (1000, 500, 1000): a bag on top is now part of the load
    # taken out (DESIGN.md, the weigh-event model), worth the highest settled level.
    samples = series([0] * 5 + [1000] * 5 + [1500] * 5 + [1200] * 5 + [2200] * 5 + [0] * 5)
    assert weights(detect_events(samples, CFG)) == [2200]


def test_pause_while_placing_and_lifting_half_way_give_one_weigh_in():
    placing = [0] * 5 + [609] * 3 + [1234] * 10 + [0] * 5  # a hand holds it 3 s half-way
    assert weights(detect_events(series(placing), CFG)) == [1234]
    lifted = [0] * 5 + [1200] * 10 + [600] * 4 + [1200] * 10 + [0] * 5
    assert weights(detect_events(series(lifted), CFG)) == [1200]


def test_a_moving_average_ramp_gives_one_weigh_in_and_keeps_small_bags():
    # ESPHome every 2 s through sliding_window_moving_average(15): 15 steps up, 15 down
    def ramp(load):
        up = [load * min(i, 15) / 15 for i in range(1, 31)]
        return [0.0] * 10 + up + [load * max(15 - i, 0) / 15 for i in range(1, 26)]
    for load in (1200, 600):
        assert weights(detect_events(series(ramp(load), step_s=2.0), CFG)) == [load]


def test_a_load_that_never_settles_is_not_counted_and_says_why():
    det = WeighDetector(CFG)
    for ts, grams in series([0] * 10 + [300 + 60 * (i % 2) for i in range(40)] + [0] * 5):
        assert det.feed(ts, grams) == []
    assert det.notices and "without its weight holding" in det.notices[0]


def test_quick_swap_of_bags_counts_both_against_empty():
    samples = series([0] * 5 + [1000] * 5 + [0] + [800] * 5 + [0] * 5)
    assert weights(detect_events(samples, CFG)) == [1000, 800]


def test_sparse_messages_settle_by_holding_until_the_next_one():
    # Tasmota with Sensor34 8 1: one message per settled change, minutes apart
    samples = [(T0, 0.0), (T0 + timedelta(minutes=5), 1234.0),
               (T0 + timedelta(minutes=9), 0.0)]
    assert weights(detect_events(samples, CFG, flush=False)) == [1234]


def test_the_gap_that_ends_a_held_value_does_not_lengthen_its_own_settling():
    """A value published once and held (ESPHome's delta filter, a recorded session) is judged
    by the cadence seen before it: the long silence while it held is steadiness."""
    detector = WeighDetector(DetectorConfig())
    events = []
    for seconds, grams in ((0, 0), (2.16, 2480), (2.161, 2481), (6.2, 1)):
        events += detector.feed(T0 + timedelta(seconds=seconds), grams)
    assert [abs(e.weight_g - 2480) <= 1 for e in events] == [True]


def test_tick_settles_a_held_value_and_flush_ends_a_recording():
    det = WeighDetector(CFG)
    assert det.feed(T0, 0.0) == [] and det.tick(T0 + timedelta(seconds=3)) == []
    assert det.empty_g == 0.0  # settled by the tick
    assert det.feed(T0 + timedelta(seconds=4), 800.0) == []
    assert det.tick(T0 + timedelta(seconds=60)) == [] and det.load_g == 800.0
    [event] = det.feed(T0 + timedelta(seconds=61), 0.0)  # taken out
    assert round(event.weight_g) == 800
    det2 = WeighDetector(CFG)
    det2.feed(T0, 0.0)
    det2.feed(T0 + timedelta(seconds=3), 500.0)
    assert weights(det2.flush()) == [500]


def test_initial_empty_level_and_clock_stepping_back():
    cfg = DetectorConfig(initial_empty_g=0.0, settle_s=0)
    assert weights(detect_events(series([1500]), cfg)) == [1500]
    det = WeighDetector(DetectorConfig(interval_factor=0))  # settle_s alone
    det.feed(T0, 0.0)
    det.feed(T0 + timedelta(seconds=10), 700.0)
    assert det.feed(T0 + timedelta(seconds=5), 700.0) == []  # clock stepped back: no settle
    assert det.tick(T0 + timedelta(seconds=12)) == [] and det.load_g == 700.0
    assert weights(det.feed(T0 + timedelta(seconds=13), 0.0)) == [700]


def test_config_validation():
    with pytest.raises(ValueError):
        DetectorConfig(threshold_g=0)
    with pytest.raises(ValueError):
        DetectorConfig(min_samples=0)


def test_repeat_filter_dedupes_ble_repeats():
    rf = RepeatFilter(tolerance_g=20, window_s=60)
    out = []
    for s, g in [(0, 9550), (2, 9550), (30, 9550), (85, 9550), (200, 9550), (201, 1200)]:
        out += rf.feed(T0 + timedelta(seconds=s), g)
    assert [(e.ts - T0).total_seconds() for e in out] == [0, 200, 201]


def test_repeat_filter_covers_a_gateway_cycle_and_counts_a_bag_on_top_once():
    rf = RepeatFilter()  # default window: longer than OpenMQTTGateway's ~65 s cycle
    out = []
    for i in range(19):  # 20 minutes of rebroadcast seen every 65 s
        out += rf.feed(T0 + timedelta(seconds=65 * i), 1200)
    for i in range(19, 38):  # a bag put on top, rebroadcast the same way
        out += rf.feed(T0 + timedelta(seconds=65 * i), 2900)
    assert [round(e.weight_g) for e in out] == [1200, 1700]


def test_repeat_filter_a_removed_weighing_then_the_same_weight_is_new():
    rf = RepeatFilter()
    out = rf.feed(T0, 1200, removed=False) + rf.feed(T0 + timedelta(seconds=10), 1200,
                                                      removed=True)
    out += rf.feed(T0 + timedelta(seconds=60), 1200, removed=False)
    assert [round(e.weight_g) for e in out] == [1200, 1200]


# --- property-based -------------------------------------------------------------------

NOISE = CFG.tolerance_g / 2  # bounded jitter: any two samples of a level stay in tolerance


@st.composite
def scenarios(draw):
    """Loads placed one at a time, separated by empty periods, with noise, drift, spikes."""
    step = draw(st.sampled_from([0.2, 0.5, 1.0]))
    per_settle = int(CFG.settle_s / step) + 1
    n_loads = draw(st.integers(min_value=0, max_value=6))
    loads = draw(st.lists(st.floats(min_value=CFG.threshold_g + CFG.tolerance_g + 1,
                                    max_value=30000), min_size=n_loads, max_size=n_loads))
    zero = draw(st.floats(min_value=-500, max_value=500))
    drift = draw(st.floats(min_value=-0.05, max_value=0.05))  # g per sample
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = random.Random(seed)
    levels: list[float] = []

    def hold(level, count, spikes=False):
        room = count - 2 * per_settle - 3
        spike_at = per_settle + 1 + rng.randrange(room) if spikes and room > 0 else -1
        for i in range(count):
            if i == spike_at:  # a hand pressing, shorter than the settle time
                levels.extend([level + rng.uniform(300, 5000)] * rng.randint(1, per_settle - 2))
            levels.append(level)

    hold(0.0, per_settle + rng.randint(1, 20))
    for load in loads:
        levels.append(load * rng.uniform(0.1, 0.9))  # placing it: one sample in between
        hold(load, 2 * per_settle + 6 + rng.randint(0, 30), spikes=rng.random() < 0.5)
        hold(0.0, per_settle + 1 + rng.randint(0, 20), spikes=rng.random() < 0.3)
    samples = [(T0 + timedelta(seconds=i * step),
                zero + v + drift * i + rng.uniform(-NOISE, NOISE))
               for i, v in enumerate(levels)]
    return loads, samples


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_one_event_per_placed_load_within_tolerance(scenario):
    loads, samples = scenario
    events = detect_events(samples, CFG)
    assert len(events) == len(loads)
    for event, load in zip(events, loads):
        assert abs(event.weight_g - load) <= CFG.tolerance_g + 2  # + drift during the hold


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.floats(min_value=-1000, max_value=1000),
       st.floats(min_value=-0.02, max_value=0.02), st.integers(min_value=1, max_value=2000))
def test_pure_noise_and_drift_yield_nothing(seed, zero, drift, n):
    rng = random.Random(seed)
    samples = series([zero + drift * i + rng.uniform(-NOISE, NOISE) for i in range(n)])
    assert detect_events(samples, CFG) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e5, allow_nan=False), max_size=300),
       st.integers(min_value=0, max_value=2**32 - 1))
def test_events_are_always_positive_and_above_threshold(values, seed):
    rng = random.Random(seed)
    samples = [(T0 + timedelta(seconds=rng.uniform(0, 10) * i), v) for i, v in enumerate(values)]
    samples.sort(key=lambda s: s[0])
    for event in detect_events(samples, CFG):
        assert event.weight_g > CFG.threshold_g


@st.composite
def sessions(draw):
    """Sessions in which anything happens while the load stands: pauses while placing, a
    hand lifting it part-way, bags put on top, short knocks. One weigh-in per session."""
    step = draw(st.sampled_from([0.5, 1.0, 2.0]))
    settle = max(CFG.settle_s, CFG.interval_factor * step)
    held = int(settle / step) + 3  # samples a level needs to be settled, with margin
    short = max(1, int(settle / step) - 2)  # samples that never settle
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = random.Random(seed)
    n_sessions = draw(st.integers(min_value=1, max_value=4))
    levels: list[float] = [0.0] * held
    tops = []
    for _ in range(n_sessions):
        top = rng.uniform(CFG.threshold_g + CFG.tolerance_g + 10, 20000)
        level = top * rng.uniform(0.4, 0.8) if rng.random() < 0.5 else top
        if level != top:
            levels += [level] * rng.randint(short, held)  # a pause while placing
        levels += [top] * held
        for _ in range(rng.randint(0, 3)):
            kind = rng.choice(["lift", "knock", "on top"])
            if kind == "lift":  # part-way, possibly long enough to settle
                # still on the scale: above the threshold (lower is taking it off)
                lifted = max(top * rng.uniform(0.3, 0.8), CFG.threshold_g + CFG.tolerance_g)
                levels += [lifted] * rng.randint(1, held) + [top] * held
            elif kind == "knock":
                levels += [top + rng.uniform(300, 3000)] * short + [top] * held
            else:
                top += rng.uniform(CFG.threshold_g + CFG.tolerance_g, 3000)
                levels += [top] * held
        tops.append(top)
        levels += [0.0] * held
    samples = [(T0 + timedelta(seconds=i * step), v + rng.uniform(-NOISE, NOISE))
               for i, v in enumerate(levels)]
    return tops, samples


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_one_weigh_in_per_session_worth_its_top_level(scenario):
    tops, samples = scenario
    events = detect_events(samples, CFG)
    assert len(events) == len(tops)
    for event, top in zip(events, tops):
        assert abs(event.weight_g - top) <= CFG.tolerance_g
