"""Scenario presets and CSV trace replay for the simulated market."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from spotkeeper.catalog import load_catalog
from spotkeeper.sim.market import Market
from spotkeeper.sim.scenarios import SCENARIOS, Scenario, TraceError, load_trace, resolve_scenario

T0 = datetime(2026, 1, 5, tzinfo=UTC)
D2S = "Standard_D2s_v5"
HEADER = "time,region,zone,size,spot_price,available\n"


def _trace_error(body: str) -> TraceError:
    with pytest.raises(TraceError) as raised:
        load_trace(HEADER + body)
    return raised.value


# ----------------------------------------------------------------------------- scenarios


def test_the_three_presets_exist_by_name() -> None:
    assert set(SCENARIOS) == {"calm", "volatile", "drought"}
    assert resolve_scenario("drought") is SCENARIOS["drought"]
    assert SCENARIOS["drought"].drought_rate_per_day > 0 == SCENARIOS["calm"].drought_rate_per_day


def test_an_unknown_scenario_name_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match=r"unknown scenario 'stormy'.*calm"):
        Market(load_catalog(), "stormy")


def test_a_scenario_with_an_unknown_band_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"band_weights: unknown band '3-7'"):
        Scenario(name="odd", band_weights={"3-7": 1.0})


def test_a_scenario_with_an_impossible_co_eviction_fraction_names_the_field() -> None:
    with pytest.raises(ValueError, match="co_eviction_fraction"):
        replace(SCENARIOS["calm"], co_eviction_fraction=(0.5, 1.5))


def test_a_scenario_reports_every_bad_field_at_once() -> None:
    with pytest.raises(ValueError) as raised:
        replace(SCENARIOS["calm"], price_period_h=0, drought_rate_per_day=-1, spot_price_cap=1.2)
    message = str(raised.value)
    assert "price_period_h" in message and "drought_rate_per_day" in message and "spot_price_cap" in message


# ----------------------------------------------------------------------------- trace replay


TRACE = HEADER + (
    "2026-01-05T10:00:00Z,eastus,1,Standard_D2s_v5,0.05,true\n"
    "2026-01-05T12:00:00Z,eastus,1,Standard_D2s_v5,0.07,false\n"
    "2026-01-05T15:30:00+00:00,eastus,1,Standard_D2s_v5,,true\n"
)


def test_a_trace_sets_price_and_availability_piecewise_constant_between_rows() -> None:
    market = Market(load_catalog(), "calm", seed=1, trace=load_trace(TRACE))
    at = datetime(2026, 1, 5, tzinfo=UTC)
    assert market.spot_price("eastus", "1", D2S, at.replace(hour=10)) == 0.05
    assert market.spot_price("eastus", "1", D2S, at.replace(hour=11, minute=59)) == 0.05
    assert market.spot_price("eastus", "1", D2S, at.replace(hour=12)) == 0.07
    assert market.spot_available("eastus", "1", D2S, at.replace(hour=11)) is True
    assert market.spot_available("eastus", "1", D2S, at.replace(hour=13)) is False
    assert market.spot_available("eastus", "1", D2S, at.replace(hour=16)) is True
    assert market.spot_available("eastus", "1", D2S, at.replace(day=20)) is True  # the last row holds


def test_an_empty_trace_price_keeps_the_modelled_price() -> None:
    traced = Market(load_catalog(), "calm", seed=1, trace=load_trace(TRACE))
    modelled = Market(load_catalog(), "calm", seed=1)
    later = datetime(2026, 1, 5, 16, tzinfo=UTC)
    assert traced.spot_price("eastus", "1", D2S, later) == modelled.spot_price("eastus", "1", D2S, later)


def test_markets_a_trace_does_not_name_follow_the_model() -> None:
    traced = Market(load_catalog(), "volatile", seed=1, trace=load_trace(TRACE))
    modelled = Market(load_catalog(), "volatile", seed=1)
    noon = datetime(2026, 1, 5, 12, tzinfo=UTC)
    assert traced.spot_price("eastus", "2", D2S, noon) == modelled.spot_price("eastus", "2", D2S, noon)
    before = datetime(2026, 1, 5, 9, tzinfo=UTC)  # before the traced market's first row
    assert traced.spot_price("eastus", "1", D2S, before) == modelled.spot_price("eastus", "1", D2S, before)


def test_a_trace_capacity_loss_evicts_every_spot_vm_of_the_market() -> None:
    market = Market(load_catalog(), "calm", seed=1, trace=load_trace(TRACE))
    cursor = datetime(2026, 1, 5, 11, tzinfo=UTC)
    while (
        wave := market.next_eviction_wave("eastus", "1", D2S, cursor)
    ) is not None and wave.cause != "drought":
        cursor = wave.at
    assert wave is not None
    assert wave.at == datetime(2026, 1, 5, 12, tzinfo=UTC)
    assert wave.fraction == 1.0


def test_a_trace_loads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "market.csv"
    path.write_text(TRACE, encoding="utf-8")
    trace = load_trace(path)
    assert len(trace) == 3
    assert trace.markets == {("eastus", "1", "standard_d2s_v5")}
    assert len(load_trace(str(path))) == 3


def test_a_header_only_trace_is_text_not_a_path() -> None:
    assert len(load_trace(HEADER.strip())) == 0


def test_a_missing_trace_file_is_reported() -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.csv"):
        load_trace("nowhere.csv")


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("2026-01-05 10:00,eastus,1,Standard_D2s_v5,0.05,true", "time", "UTC offset"),
        ("2026-01-05,eastus,1,Standard_D2s_v5,0.05,true", "time", "RFC 3339"),
        ("yesterday,eastus,1,Standard_D2s_v5,0.05,true", "time", "RFC 3339"),
        ("2026-01-05T10:00:00Z,East US,1,Standard_D2s_v5,0.05,true", "region", "region name"),
        ("2026-01-05T10:00:00Z,eastus,one,Standard_D2s_v5,0.05,true", "zone", "zone number"),
        ("2026-01-05T10:00:00Z,eastus,1,D2s v5,0.05,true", "size", "VM size"),
        ("2026-01-05T10:00:00Z,eastus,1,Standard_D2s_v5,cheap,true", "spot_price", "USD per hour"),
        ("2026-01-05T10:00:00Z,eastus,1,Standard_D2s_v5,-0.01,true", "spot_price", "positive"),
        ("2026-01-05T10:00:00Z,eastus,1,Standard_D2s_v5,0.05,maybe", "available", "true or false"),
    ],
)
def test_a_bad_trace_row_is_refused_naming_its_line_and_column(row: str, column: str, fragment: str) -> None:
    good = "2026-01-05T09:00:00Z,eastus,1,Standard_D2s_v5,0.05,true\n"
    error = _trace_error(good + row + "\n")
    assert (error.line, error.column) == (3, column)
    assert f"line 3, column '{column}'" in str(error)
    assert fragment in str(error)


def test_a_trace_row_with_the_wrong_number_of_fields_names_its_line() -> None:
    error = _trace_error("2026-01-05T09:00:00Z,eastus,1,Standard_D2s_v5,0.05\n")
    assert error.line == 2 and "expected 6 fields" in str(error)


def test_a_duplicate_trace_row_names_the_first_one() -> None:
    row = "2026-01-05T09:00:00Z,eastus,1,Standard_D2s_v5,0.05,true\n"
    error = _trace_error(row + row)
    assert (error.line, error.column) == (3, "time")
    assert "first on line 2" in str(error)


def test_a_trace_header_must_have_exactly_the_known_columns() -> None:
    with pytest.raises(TraceError, match=r"line 1, column 'price'"):
        load_trace("time,region,zone,size,price,available\n")
    with pytest.raises(TraceError, match=r"line 1, column 'available': missing"):
        load_trace("time,region,zone,size,spot_price\n2026-01-05T09:00:00Z,eastus,1,x,0.1\n")


def test_trace_rows_may_come_in_any_order() -> None:
    shuffled = HEADER + (
        "2026-01-05T12:00:00Z,eastus,1,Standard_D2s_v5,0.07,true\n"
        "2026-01-05T10:00:00Z,eastus,1,Standard_D2s_v5,0.05,true\n"
    )
    market = Market(load_catalog(), "calm", trace=load_trace(shuffled))
    assert market.spot_price("eastus", "1", D2S, T0 + timedelta(hours=11)) == 0.05
