"""The collector pause around county reads: QGIS must get its collector back, whatever happens."""
from __future__ import annotations

import gc

import pytest

from core.gcpause import paused_gc


def test_the_collector_comes_back_after_the_block_and_after_an_error():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():       # nested (a read inside a paused worker): still paused after the inner one
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with paused_gc():
            raise ValueError("a bad layer")
    assert gc.isenabled()


def test_a_collector_the_caller_switched_off_stays_off():
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
