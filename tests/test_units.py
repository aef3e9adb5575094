"""Units users think in: demand in IT megawatts and launch prices in dollars per kg, converted by hand-checkable
formulas, stated, and given in exactly one form."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planner.errors import InputError
from planner.scenario.load import load_scenario

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "reference.yaml"


def _scenario(tmp_path: Path, body: dict) -> Path:
    path = tmp_path / "units.yaml"
    path.write_text(yaml.safe_dump({"extends": str(REFERENCE), "name": "units", **body}))
    return path


MW = {"workloads": {"offworld": {"demand_eflop_per_s": None, "growth": None, "demand_it_mw": {2031: 5, 2040: 50}}},
      "trajectories": {"launch_price_usd_per_kg": {"starship": 100}}}


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    return load_scenario(_scenario(tmp_path_factory.mktemp("u"), MW))


def test_it_megawatts_convert_with_the_accelerator_in_use_that_year(converted):
    cat, w = converted.catalog, converted.scenario.workloads["offworld"]
    by_year = {}
    for year in (2031, 2040):  # the newest accelerator that can be built that year, by hand from the catalog
        acc = max((a.first_year.v, k) for k, a in cat.accelerators.items()
                  if a.first_year.v <= year <= a.last_year.v)[1]
        a = cat.accelerators[acc]
        by_year[year] = acc
        mw = MW["workloads"]["offworld"]["demand_it_mw"][year]
        # MW / board W = accelerators; x dense fp8 TFLOP/s = TFLOP/s; x 1e-6 = EFLOP/s; x software efficiency
        expected = mw * 1e6 / a.power_w.v * a.dense_fp8_tflops.v * 1e-6 * w.software_efficiency
        assert w.demand_eflop_per_s[year] == pytest.approx(expected, rel=1e-12)
    assert by_year[2031] != by_year[2040]  # a newer generation by 2040: the conversion follows it
    assert w.demand_it_mw is None and w.demand_at(2031) == pytest.approx(w.demand_eflop_per_s[2031])
    notes = converted.resolved["unit_conversions"]
    assert any("workloads.offworld.demand_it_mw converted to EFLOP/s with the accelerator in use" in n for n in notes)


def test_dollars_per_kg_convert_with_the_vehicles_payload_to_leo(converted):
    lv = converted.catalog.launch_vehicles["starship"]
    for year in (2027, 2030, 2035, 2045):  # the payload grows from 100 t (2030) to 150 t (2035): so does the price
        expected = 100 * lv.payload_leo_t.at(year) * 1000 / 1e6  # USD/kg x t x 1000 kg/t, in $M
        assert lv.price_musd_per_flight.at(year) == pytest.approx(expected)
    assert lv.price_musd_per_flight.at(2035) == pytest.approx(15.0)  # 100 USD/kg x 150 t
    assert any("launch_price_usd_per_kg.starship converted" in n for n in converted.resolved["unit_conversions"])


def test_the_resolved_scenario_reloads_with_the_same_hash_and_notes(tmp_path, converted):
    path = tmp_path / "scenario.resolved.yaml"
    path.write_text(converted.resolved_yaml())
    again = load_scenario(path)
    assert again.sha256 == converted.sha256
    assert again.resolved["unit_conversions"] == converted.resolved["unit_conversions"]


@pytest.mark.parametrize("body, words", [
    ({"workloads": {"offworld": {"demand_it_mw": {2031: 5}}}}, "exactly one (got demand_it_mw, growth)"),
    ({"trajectories": {"launch_price_usd_per_kg": {"starship": 100},
                       "launch_price_musd_per_flight": {"starship": 20}}}, "given both per flight and per kg"),
])
def test_exactly_one_form_is_given(tmp_path, body, words):
    with pytest.raises(InputError) as e:
        load_scenario(_scenario(tmp_path, body))
    assert any(words in p for p in e.value.problems), e.value.problems
    assert len(e.value.problems) == 1
