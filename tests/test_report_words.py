"""Report words a board reads: catalog paths that wrap between their parts. Small hand-made tables only."""

from __future__ import annotations

import pandas as pd

from planner.report.render import _PDF, layout_table, wrap_cell


# ------------------------------------------------------------------------------ 5. catalog paths wrap at their dots


def test_catalog_paths_wrap_between_their_parts():
    assert wrap_cell("ground_regions.renewables_storage.facility_embodied_co2_t_per_mw", 45, len) == \
        ["ground_regions.renewables_storage.", "facility_embodied_co2_t_per_mw"]
    assert wrap_cell("accelerators.gen_2030.dense_bf16_tflops", 25, len) == \
        ["accelerators.gen_2030.", "dense_bf16_tflops"]
    assert wrap_cell("0.0015 / 0.025", 8, len) == ["0.0015 /", "0.025"]  # never inside a number
    assert wrap_cell("50 (2027) to 3 (2045)", 12, len) == ["50 (2027) to", "3 (2045)"]  # a year stays with its value
    paths = ["ground_regions.renewables_storage.facility_embodied_co2_t_per_mw",
             "ground_regions.grid_constrained.facility_capex_musd_per_mw",
             "platforms.lunar_fission_station.ops_cost_musd_per_unit_yr", "accelerators.gen_2030.price_usd"]
    frame = pd.DataFrame({"": ["*"] * 4, "catalog value": paths, "base": ["1,000"] * 4, "range": ["500 / 2,000"] * 4,
                          "unit": ["MUSD/MW/yr"] * 4, "confidence": ["published estimate"] * 4,
                          "source": ["planner_team"] * 4})
    lay = layout_table(_PDF("t"), frame, 180.0, 6.5)
    for row in lay.rows:
        lines = row[1].split("\n")
        assert all(line.endswith(".") for line in lines[:-1]), lines  # the field name stays whole
        assert "\n" not in row[4], row[4]  # a short unit stays on one line
    variants = pd.DataFrame({"variant": ["us_grid", "renewables_storage"], "what": ["x " * 60] * 2,
                             **{f"c{i}": ["0.367"] * 2 for i in range(9)}})
    lay = layout_table(_PDF("t"), variants, 180.0, 6.5)
    assert [r[0] for r in lay.rows] == ["us_grid", "renewables_storage"]  # a short id is never split
