"""The suite stays stoppable: a handler a test installs is gone after it (tests/conftest.py)."""
import signal


def test_a_test_installs_a_sigterm_handler():
    signal.signal(signal.SIGTERM, lambda *_: None)  # as IngestService._install_signals does


def test_the_next_test_has_the_default_handler_back():
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
