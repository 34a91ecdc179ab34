from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.counters import open_counter
from drivers.counters.beam_pair import BeamPairDecoder
from drivers.counters.simulated import SimulatedBeamCounter


def feed(decoder: BeamPairDecoder, edges: str) -> list:
    """Edges as 'A' (a blocked) 'a' (a cleared) 'B' 'b', one per 0.1 s."""
    results = [decoder.feed(e.lower(), e.isupper(), i * 0.1) for i, e in enumerate(edges)]
    return [c for c in results if c]


@pytest.mark.parametrize(
    ("edges", "direction", "at"),
    [("ABab", "in", 0.1), ("BAba", "out", 0.1), ("AaABab", "in", 0.3), ("ABbBab", "in", 0.1)],
)
def test_direction_from_beam_order(edges: str, direction: str, at: float) -> None:
    (crossing,) = feed(BeamPairDecoder(), edges)
    assert crossing.direction == direction
    assert crossing.time == pytest.approx(at)


@pytest.mark.parametrize("edges", ["Aa", "ABba", "BAab", "AAaa", "BbBb"])
def test_turning_back_is_not_a_crossing(edges: str) -> None:
    decoder = BeamPairDecoder()
    assert feed(decoder, edges) == []


def test_bad_beam_name() -> None:
    with pytest.raises(ValueError, match="beam must be 'a' or 'b'"):
        BeamPairDecoder().feed("c", True, 0.0)


@given(st.lists(st.sampled_from("AaBb"), max_size=100))
def test_any_edge_sequence_is_safe(edges: list[str]) -> None:
    decoder = BeamPairDecoder()
    crossings = feed(decoder, "".join(edges))
    assert all(c.direction in ("in", "out") for c in crossings)
    assert len(crossings) <= len(edges) // 4


def test_simulated_counter_reports_each_walk_once() -> None:
    counter = open_counter("simulated")
    assert isinstance(counter, SimulatedBeamCounter)
    counter.walk("in", at=10.0)
    counter.walk("out", at=12.0)
    crossings = counter.read()
    assert [(c.direction, c.time) for c in crossings] == [("in", 10.0), ("out", 12.0)]
    assert counter.read() == [] and counter.counts == {"in": 1, "out": 1}
    assert open_counter("none") is None
    with pytest.raises(ValueError, match="unknown people counter driver"):
        open_counter("laser")
