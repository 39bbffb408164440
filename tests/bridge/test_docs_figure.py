"""docs/figures/weigh-session.svg is drawn by the bridge's own detector and kept up to date."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "docs" / "figures" / "make_session_svg.py"


def test_the_session_figure_matches_the_detector():
    spec = importlib.util.spec_from_file_location("make_session_svg", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, events, _, _ = module.run()
    assert [round(e.weight_g) for e, _ in events] == [2032]  # one weigh-in, the whole load
    assert module.OUT.read_text(encoding="utf-8") == module.svg(), \
        "run python docs/figures/make_session_svg.py and commit the figure"
