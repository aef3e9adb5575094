"""Report words a board reads: the like-for-like pair as the headline, catalog labels that read naturally
mid-sentence, the waterfall's 'capacity in use' kept apart from the ground's power draw, emission categories in
words, catalog paths that wrap between their parts, and a mass-budget chart with readable bars and parts that
stay apart in greyscale. Small hand-made run folders only: nothing here solves a model."""

from __future__ import annotations

from pathlib import Path

import matplotlib.colors
import pandas as pd
import pytest

from planner.catalog import load_catalog
from planner.model.coefficients import EMISSION_CATEGORIES
from planner.report import figures as fig
from planner.report import model as rm
from planner.report.render import _PDF, layout_table, wrap_cell
from planner.results.schema import CATEGORY_WORDS, category_words
from planner.results.waterfall import FACTORS, LABELS

CATALOG = {"resolved_catalog": {
    "platforms": {"station_module": {"label": "Compute module docked at a Lagrange-point station core"},
                  "lunar_fission_station": {"label": "Lunar south-pole station, fission power, crater radiators"},
                  "lunar_solar_station": {"label": "Lunar south-pole station, ridge solar arrays"}},
    "sites": {"eml1": {"label": "Earth-Moon L1 halo"},
              "lunar_south_pole": {"label": "Lunar south pole (sunlit ridge power, radiators in a shadowed crater)"}},
    "accelerators": {"gen_2034": {"label": "Generation 2034 (projected)"},
                     "rubin_class": {"label": "Next generation (Rubin class, projected)"}},
    "ground_regions": {"us_grid": {"label": "Hyperscale campus, grid-connected (US average)",
                                   "utilisation": {"value": 0.8, "unit": "1"}}},
}}


def _run(summary=None, scenario=None, tables=None, analysis=None) -> rm.Run:
    return rm.Run(dir=Path("."), summary=summary or {}, explanations={}, scenario=scenario or {},
                  tables={k: pd.DataFrame(v) for k, v in (tables or {}).items()},
                  analysis={k: pd.DataFrame(v) for k, v in (analysis or {}).items()})


def _offworld_run() -> rm.Run:
    """The reference case in small: the plan also serves a Moon workload only space can serve."""
    summary = {"usd_per_pflop_day": 13.52, "npv_cost_usd": 466.7e9, "plan_vs_ground_only_cost_ratio": 1.008,
               "ground_only": {"usd_per_pflop_day": 13.41, "npv_cost_usd": 462.9e9,
                               "not_servable_workloads": ["offworld"]},
               "analysis": {"break_even": {"tolerance_usd": 4.6e9}}}
    return _run(summary, CATALOG | {"workloads": {"offworld": {"label": "Off-world missions"}}},
                tables={"allocation": {"workload": ["offworld", "training"], "architecture": ["station_module@eml1"] * 2,
                                       "flop": [1.0, 1.0]},
                        "architectures": {"architecture": ["station_module@eml1"], "family": ["station"],
                                          "usd_per_pflop_day": [153.41]}},
                analysis={"break_even": {"launch_price_factor": [1.0], "status": ["optimal"], "savings_usd": [0.0],
                                         "space_share": [0.0], "usd_per_pflop_day": [13.41],
                                         "ground_usd_per_pflop_day": [13.41]}})


# ------------------------------------------------------------------------------ 1. the plan's own cost first


def test_the_headline_pair_is_like_for_like():
    """Issue 15: page 1's bold costs cover the same demand. With a workload only space can serve, the headline is
    the Earth demand with space allowed against the ground alone; the plan's own cost (more demand) follows, not
    in bold, and says why it is not like for like."""
    paras = rm._like_for_like(_offworld_run())
    assert paras[0].startswith(f"**{rm.LIKE_FOR_LIKE}, for the demand on Earth only: $13.41 per PFLOP/s-day with "
                               f"space allowed, against $13.41 per PFLOP/s-day for the ground alone.**"), paras[0]
    assert "$13.52" not in paras[0] and "$13.41" not in paras[1]
    assert paras[1].startswith(f"{rm.PLAN_COST}, for all its demand together: $13.52 per PFLOP/s-day"), paras[1]
    assert "**" not in paras[1] and "not like for like" in paras[1]
    assert "space saves nothing, to within what the re-solves prove ($4.6 B, their MIP gaps)" in paras[0]
    proven = _offworld_run()  # the row's own tolerance wins over the largest of all rows; 0: proven optimal
    proven.analysis["break_even"]["tolerance_usd"] = [0.0]
    assert "space saves nothing (both re-solves proven optimal)" in rm._like_for_like(proven)[0]
    # the same demand: still the plan's own cost first, the ground-only plan's labelled as the comparison
    same = _run({"usd_per_pflop_day": 9.0, "plan_vs_ground_only_cost_ratio": 0.9,
                 "ground_only": {"usd_per_pflop_day": 10.0}})
    (para,) = rm._like_for_like(same)
    assert para.startswith(f"**{rm.PLAN_COST}: $9.00 per PFLOP/s-day**") and rm.LIKE_FOR_LIKE in para
    assert para.index("$9.00") < para.index("$10.00")


# ------------------------------------------------------------------------------ 2. labels in running text


def test_architecture_labels_read_naturally_mid_sentence():
    assert rm.in_prose("Compute module docked at a Lagrange-point station core") == \
        "compute module docked at a Lagrange-point station core"
    assert rm.in_prose("Hyperscale campus, grid-connected (US average)") == \
        "hyperscale campus, grid-connected (US average)"
    for name in ("Starship-launched data-centre module", "Earth-Moon L1 halo", "LEO 550 km, 53 deg (Starlink shell)",
                 "Generation 2034 (projected)", "NVIDIA B200 (HGX)", "Falcon 9 (reusable)"):
        assert rm.in_prose(name) == name  # names keep their capital
    text = rm._like_for_like(_offworld_run())[2]
    assert "served from the compute module docked at a Lagrange-point station core, Earth-Moon L1 halo " \
           "(station_module@eml1)" in text, text
    assert rm.path_label("ground_regions.us_grid.energy_usd_per_kwh", CATALOG) == \
        "energy price of the hyperscale campus, grid-connected (US average)"
    assert rm.path_label("accelerators.gen_2034.price_usd", CATALOG) == "price of Generation 2034 (projected)"
    # tables keep the catalog's label as written
    assert rm.arch_label("station_module@eml1", CATALOG).startswith("Compute module")
    vc = pd.DataFrame({"workload": ["training"] * 2, "family": ["ground", "station"], "vintage": [2031, 2031],
                       "architecture": ["ground_campus@us_grid", "station_module@eml1"],
                       "space_to_ground": [None, 1.5]})
    verdict = rm.cheaper_verdict(vc, "training", 2027, CATALOG)
    assert "is a station: the compute module docked" in verdict, verdict


# ------------------------------------------------------------------------------ 3. capacity in use vs power draw


def _waterfall_run(regions: tuple[str, ...] = ("us_grid",)) -> rm.Run:
    rows = []
    for scope, fam in (("plan", "plan"), *((f"ground_campus@{r}", "ground") for r in regions)):
        for step, f in enumerate(FACTORS, start=1):
            rows.append({"scope": scope, "family": fam, "step": step, "factor": f, "multiplier": 1.0,
                         "flop_before": 1e30, "flop_after": 1e30, "lost_flop": 0.0, "share_of_peak": 1.0,
                         "explanation": "1: why"})
    return _run({}, CATALOG, tables={"waterfall": rows})


def test_the_waterfall_step_is_capacity_in_use_not_the_grounds_utilisation(tmp_path):
    assert LABELS["utilisation"] == "capacity in use"
    assert "utilisation" not in LABELS.values()
    sec = rm.waterfall_section(_waterfall_run(), tmp_path)
    table = next(b for b in sec.blocks if isinstance(b, rm.Table)).frame
    assert "capacity in use" in list(table["factor"]) and "utilisation" not in list(table["factor"])
    # the ground field reads as what it is: the average power draw that sets the energy bill
    assert rm.path_label("ground_regions.us_grid.utilisation", CATALOG).startswith("average power draw of the")
    ground = rm.Section("x")
    rm.ground_variants(ground, _run({}, CATALOG))
    variants = next(b for b in ground.blocks if isinstance(b, rm.Table))
    assert list(variants.frame["average draw"]) == ["80%"]
    assert "average power draw" in variants.note and "energy bill" in variants.note
    for name, region in load_catalog().ground_regions.items():
        note = region.utilisation.note or ""
        assert "average power draw" in note and "energy bill" in note, name


def test_the_waterfall_table_names_the_architectures_it_leaves_out(tmp_path):
    regions = ("a", "b", "c", "d", "e", "f", "g")  # the plan and seven architectures: six columns fit
    sec = rm.waterfall_section(_waterfall_run(regions), tmp_path)
    table = next(b for b in sec.blocks if isinstance(b, rm.Table))
    assert list(table.frame.columns)[1:] == ["plan"] + list("abcde")  # no label in the catalog: the region's name
    assert "Not shown, to fit the page: f; g (the plan column includes them)" in table.note, table.note
    assert "f = ground_campus@f; g = ground_campus@g." in table.note  # the ids once, left-out ones included


# ------------------------------------------------------------------------------ 4. emission categories in words


def test_emission_categories_read_in_words(tmp_path):
    assert set(EMISSION_CATEGORIES) <= set(CATEGORY_WORDS)  # one mapping for money and emissions
    em = pd.DataFrame({"category": list(EMISSION_CATEGORIES), "year": [2030] * len(EMISSION_CATEGORIES),
                       "t_co2": [1.0] * len(EMISSION_CATEGORIES), "water_m3": [0.0] * len(EMISSION_CATEGORIES)})
    run = _run({"co2_kg_per_pflop_day": 1.0, "water_l_per_pflop_day": 1.0, "co2_t": 6.0, "water_m3": 0.0,
                "ground_only": {"co2_kg_per_pflop_day": 1.0, "water_l_per_pflop_day": 1.0}},
               tables={"emissions": em})
    sec = rm.carbon_section(run, tmp_path)
    table = next(b for b in sec.blocks if isinstance(b, rm.Table))
    assert list(table.frame["category"]) == [category_words(c) for c in EMISSION_CATEGORIES]
    assert not any("_" in c for c in table.frame["category"]) and "_" not in table.note


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


# ------------------------------------------------------------------------------ 6. the mass-budget chart


def _designs() -> pd.DataFrame:
    parts = {c: [1000.0 * (i + 1)] * 3 for i, c in enumerate(fig.BUDGET_COLS)}
    return pd.DataFrame({"architecture": ["station_module@eml1", "lunar_fission_station@lunar_south_pole",
                                          "lunar_solar_station@lunar_south_pole"],
                         "platform": ["station_module", "lunar_fission_station", "lunar_solar_station"],
                         "site": ["eml1", "lunar_south_pole", "lunar_south_pole"],
                         "design": ["gen_2034/340K/10mm", "rubin_class/320K/5mm", "rubin_class/320K/5mm"],
                         "accelerator": ["gen_2034", "rubin_class", "rubin_class"],
                         "radiator_temp_k": [340.0, 320.0, 320.0], "shielding_mm_al": [10.0, 5.0, 5.0], **parts})


def _luminance(color) -> float:
    r, g, b = matplotlib.colors.to_rgb(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


HATCH_FAMILIES = ({""}, {"//"}, {"\\\\"}, {"xx", "++"}, {"..", "oo", "**"}, {"--"}, {"||"})  # alike in print


def test_mass_budget_bars_read_in_words_and_every_part_stands_apart_in_grey(tmp_path, monkeypatch):
    d = _designs()
    run = _run({}, CATALOG, tables={"architectures": {"architecture": list(d["architecture"]),
                                                      "family": ["station"] * 3}})
    name = rm.design_namer(d, run)
    labels = [name(r) for _, r in d.iterrows()]
    assert labels[0] == "station at Earth-Moon L1 halo\nGeneration 2034, 340 K radiator, 10 mm Al shielding"
    assert labels[1].startswith("station at lunar south pole, fission power") and \
        labels[2].startswith("station at lunar south pole, ridge solar arrays")
    assert labels[1].endswith("Next generation (Rubin class), 320 K radiator, 5 mm Al shielding")
    drawn = {}
    monkeypatch.setattr(fig, "_save", lambda f, path: drawn.setdefault("fig", f) and path)
    fig.design_budgets(d, tmp_path / "budget.png", name)
    ax = drawn["fig"].axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == labels
    assert not any("@" in t or "_" in t for t in labels)
    looks = {c.get_label(): (_luminance(c.patches[0].get_facecolor()), c.patches[0].get_hatch() or "")
             for c in ax.containers}
    assert len(looks) == len(fig.BUDGET_COLS)
    family = {h: i for i, fam in enumerate(HATCH_FAMILIES) for h in fam}
    names = list(looks)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            (la, ha), (lb, hb) = looks[a], looks[b]
            # parts whose hatches look alike in print must differ clearly in grey
            assert family[ha] != family[hb] or abs(la - lb) >= 0.3, (a, b, looks[a], looks[b])


# ------------------------------------------------------------------------------ 7. workloads, caps and settings in words

WORKLOADS = {"offworld": {"label": "Off-world missions (users on the Moon)"},
             "training": {"label": "Frontier training"}}


def _alloc_run() -> rm.Run:
    alloc = {"workload": ["offworld", "training", "training"],
             "architecture": ["station_module@eml1", "ground_campus@us_grid", "station_module@eml1"],
             "flop": [1.0, 3.0, 1.0], "site_rtt_ms": [450.0, 25.0, 3000.0],
             "latency_limit_ms": [1000.0, 1e5, 1e5]}
    return _run({}, CATALOG | {"workloads": WORKLOADS}, tables={
        "allocation": alloc, "architectures": {"architecture": ["station_module@eml1", "ground_campus@us_grid"],
                                               "family": ["station", "ground"]}})


def test_the_workloads_section_names_workloads_in_words(tmp_path, monkeypatch):
    drawn = {}
    monkeypatch.setattr(fig, "_save", lambda f, path: drawn.setdefault("fig", f) and path)
    sec = rm.workloads_section(_alloc_run(), tmp_path)
    table = next(b for b in sec.blocks if isinstance(b, rm.Table)).frame
    assert set(table["workload"]) == {"Off-world missions (users on the Moon)", "Frontier training"}
    ticks = [t.get_text() for t in drawn["fig"].axes[0].get_yticklabels()]
    assert sorted(ticks) == ["Frontier training", "Off-world missions (users on the Moon)"], ticks


def test_what_binds_says_caps_workloads_and_decisions_in_words(tmp_path):
    cons = {"constraint": ["power", "interconnect", "balance", "balance"],
            "index": ["us_grid|2032", "us_grid|2032", "offworld|2033", "training|2033"],
            "meaning": ["facility power at us_grid in 2032", "grid interconnect of us_grid cleared by 2032",
                        "demand of offworld in 2033 must be met", "demand of training in 2033 must be met"],
            "slack": [0.0] * 4, "shadow_price": [-5.2e6, -4.2e6, 9.2e6, 13.7e6],
            "unit": ["USD per MW", "USD per MW", "USD per EFLOP/s", "USD per EFLOP/s"]}
    run = _run({}, CATALOG | {"workloads": WORKLOADS},
               tables={"constraints": cons, "ground": {"region": ["us_grid"], "year": [2032], "facility_mw": [10.0]}},
               analysis={"marginal_values": {"decision": ["one more station_module@eml1 unit (gen_2034/340K/10mm) "
                                                          "in 2045"],
                                             "kind": ["unit"], "change_usd": [2.2e6], "status": ["optimal"],
                                             "method": ["re-solve"]},
                         "alternatives": {"without": ["station_module@eml1"], "status": ["optimal"],
                                          "usd_per_pflop_day": [13.5], "change": [0.0],
                                          "space_architectures": ["station_module@eml1"]}})
    sec = rm.binds_section(run, tmp_path)
    tables = {b.title: b.frame for b in sec.blocks if isinstance(b, rm.Table)}
    caps = list(tables["Binding caps the plan runs into, largest shadow prices first"]["constraint"])
    assert caps == ["facility power at the hyperscale campus, grid-connected (US average) in 2032",
                    "grid interconnect of the hyperscale campus, grid-connected (US average) cleared by 2032"], caps
    marginal = next(f for t, f in tables.items() if t.startswith("Marginal cost"))
    assert list(marginal.columns) == ["year", "Off-world missions (users on the Moon)", "Frontier training"]
    (decision,) = tables["Value of one integer decision, from re-solves"]["decision"]
    assert decision.startswith("one more unit of the compute module docked at a Lagrange-point station core, "
                               "Earth-Moon L1 halo (station_module@eml1"), decision
    alt = tables["Near-optimal alternatives"]
    assert alt["best plan without"].iloc[0].startswith("Compute module docked") and \
        "(station_module@eml1)" in alt["uses instead"].iloc[0]
    assert rm.cap_words(run, "route_mass", "starship>eml1|2032", "payload of starship>eml1 trips in 2032") == \
        "payload of starship trips to Earth-Moon L1 halo in 2032"


def test_break_even_and_ground_baselines_say_workloads_and_settings_in_words(tmp_path):
    run = _offworld_run()
    text = " ".join(b for b in rm.break_even_section(run, tmp_path).blocks if isinstance(b, str))
    assert "leave out \u201cOff-world missions\u201d, the demand only space can serve" in text, text
    assert "leave out offworld" not in text
    sec = rm.Section("x")
    rm.ground_variants(sec, _run({}, CATALOG))
    words = " ".join(b for b in sec.blocks if isinstance(b, str))
    assert "architectures.allow" not in words and "allow [" not in words, words
    assert "allows and those it denies" in words
    assert rm.path_label("ground_regions.*.existing", CATALOG).startswith("operations and leases of the campuses "
                                                                          "already operating")
    drivers = {"category": ["ground_opex"], "driver": ["ground_regions.*.existing"], "pv_usd": [3.7e9],
               "confidence": ["our assumption"], "share": [0.008]}
    run = _run({}, {"workloads": {}, "horizon": {"first_year": 2027, "last_year": 2045, "step_years": 1},
                              "money": {"base_year": 2026, "discount_rate": 0.07, "capital_accounting": "residual"}},
               analysis={"cost_drivers": drivers})
    table = next(b for b in rm.assumptions_section(run).blocks if isinstance(b, rm.Table)).frame
    assert table["value"].iloc[0] != "ground_regions.*.existing" and \
        table["catalog path"].iloc[0] == "ground_regions.*.existing"


def test_the_carbon_section_says_the_scenarios_carbon_price_in_words(tmp_path):
    def text(summary, costs=None):
        run = _run({"co2_kg_per_pflop_day": 1.0, "water_l_per_pflop_day": 1.0, "co2_t": 6.0, "water_m3": 0.0,
                    "ground_only": {}, **summary},
                   tables={"emissions": {"category": ["launch"], "year": [2030], "t_co2": [0.0], "water_m3": [0.0]},
                           **({"costs": costs} if costs else {})})
        return " ".join(b for b in rm.carbon_section(run, tmp_path).blocks if isinstance(b, str))
    none = text({})
    assert "the scenario's carbon price is zero" in none.lower() and "no cap on emissions" in none, none
    assert "price_usd_per_t" not in none and "cap_t_per_yr" not in none
    paid = text({"carbon_price_usd_per_t": 50.0},
                {"category": ["carbon"], "year": [2030], "usd": [1e9], "usd_discounted": [5e8]})
    assert "The scenario's carbon price (50 USD/t CO2)" in paid and "category carbon" not in paid, paid
    assert rm.path_label("scenario.carbon.price_usd_per_t", None) == "the scenario's carbon price"


def test_the_summary_names_the_workload_it_prices_and_says_accelerator_prices_are_accelerators():
    text = rm._like_for_like(_offworld_run())[2]
    assert "That $3.8 B is the cost of serving \u201cOff-world missions\u201d." in text, text
    assert "that workload" not in text
    assert rm.prose_path_label("accelerators.gen_2034.price_usd", CATALOG) == \
        "price of a Generation 2034 accelerator (projected)"
    assert rm.prose_path_label("accelerators.rubin_class.price_usd", CATALOG) == \
        "price of a Next generation accelerator (Rubin class, projected)"
    assert rm.prose_path_label("ground_regions.us_grid.energy_usd_per_kwh", CATALOG) == \
        rm.path_label("ground_regions.us_grid.energy_usd_per_kwh", CATALOG)
    da = {"path": ["accelerators.gen_2034.price_usd"], "confidence": ["our assumption"], "low_change": [-0.198],
          "high_change": [0.263]}
    run = _run({"usd_per_pflop_day": 13.5}, CATALOG | {"horizon": {"first_year": 2027, "last_year": 2045}},
               analysis={"decisive_assumptions": da})
    bullets = " ".join(" ".join(b) for b in rm.summary_section(run).blocks if isinstance(b, list))
    assert "the price of a Generation 2034 accelerator (projected; our assumption): -19.8% at its catalog low" \
        in bullets, bullets


def test_the_launch_charts_year_axis_ends_at_the_horizon(tmp_path, monkeypatch):
    drawn = {}
    monkeypatch.setattr(fig, "_save", lambda f, path: drawn.setdefault("fig", f) and path)
    la = {"year": [2031, 2039, 2045], "vehicle": ["starship"] * 3, "trips": [2, 1, 1], "flights": [12, 6, 6],
          "tanker_flights": [10, 5, 5], "cadence_cap": [84.0, 228.0, 300.0], "mass_launched_kg": [1.4e5, 1e5, 1e5],
          "payload_capacity_kg": [2e5, 1e5, 1e5], "cost_usd": [4.4e8, 8.3e7, 6.1e7]}
    run = _run({}, CATALOG | {"horizon": {"first_year": 2027, "last_year": 2045, "step_years": 1}},
               tables={"launches": la})
    rm.launch_section(run, tmp_path)
    for ax in drawn["fig"].axes:
        lo, hi = ax.get_xlim()
        assert 2045 < hi < 2045.6 and 2026.4 < lo < 2027, (lo, hi)
        shown = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert max(shown) <= 2045 and min(shown) >= 2027, shown
        assert {2031, 2039, 2045} <= set(shown)  # every year labelled: no launch bar sits between two labels


def test_mass_budget_bars_run_top_down_in_the_design_sheets_column_order(tmp_path, monkeypatch):
    d = _designs()
    drawn = {}
    monkeypatch.setattr(fig, "_save", lambda f, path: drawn.setdefault("fig", f) and path)
    fig.design_budgets(d, tmp_path / "budget.png", lambda r: r["architecture"])
    ax = drawn["fig"].axes[0]
    bars = ax.containers[0].patches  # one bar per design, in the table's (the sheet's) order
    screen_y = [ax.transData.transform((0, b.get_y() + b.get_height() / 2))[1] for b in bars]
    assert screen_y == sorted(screen_y, reverse=True), screen_y  # first design highest on the page


# ------------------------------------------------------------------------------ 8. tables name architectures in words

SPACE_CATALOG = {"resolved_catalog": CATALOG["resolved_catalog"] | {
    "launch_vehicles": {"starship": {"label": "Starship (reusable, refuelable)"}}}}


def _sheet_designs() -> pd.DataFrame:
    """_designs() with every designs.csv column the design sheet and the thermal chain read."""
    d = _designs()
    text = {"binding_cap": "mass", "radiator_cap_part": "junction", "limiting_link": "chip junction",
            "life_limit": "design life"}
    for col in ("vintage", "units", "accelerators_per_unit", "it_power_kw_per_unit", "load_kw_per_unit",
                "solar_area_m2_per_unit", "radiator_area_m2_per_unit", "radiator_cap_k", "sink_temp_k", "emissivity",
                "absorptivity", "net_flux_w_m2", "fin_efficiency", "chain_drop_k", "emitted_w_m2", "absorbed_w_m2",
                "eol_margin", "bol_margin", "battery_kwh_per_unit", "dose_rad_per_yr", "mass_kg_per_unit",
                "volume_m3_per_unit", "design_life_yr", "capex_usd_per_unit"):
        d[col] = 2040 if col == "vintage" else 1.0
    return d.assign(heat_pump=False, heat_pump_cop=float("nan"), **text)


def _space_run(**tables) -> rm.Run:
    archs = ["station_module@eml1", "lunar_fission_station@lunar_south_pole", "lunar_solar_station@lunar_south_pole",
             "ground_campus@us_grid"]
    return _run({}, SPACE_CATALOG | {"workloads": WORKLOADS}, tables={
        "architectures": {"architecture": archs, "family": ["station"] * 3 + ["ground"]}, **tables})


def test_short_architecture_names_fit_a_column_and_stay_apart():
    names = rm.arch_short_names(_space_run(), ["station_module@eml1", "ground_campus@us_grid",
                                               "lunar_fission_station@lunar_south_pole",
                                               "lunar_solar_station@lunar_south_pole", "starship_module@leo"])
    assert names == {"station_module@eml1": "station at Earth-Moon L1 halo",
                     "ground_campus@us_grid": "hyperscale campus, grid-connected",
                     "lunar_fission_station@lunar_south_pole": "station at lunar south pole, fission power, crater "
                                                               "radiators",
                     "lunar_solar_station@lunar_south_pole": "station at lunar south pole, ridge solar arrays",
                     "starship_module@leo": "starship module at leo"}  # no family, no label: the id's words
    assert rm.id_key(names, "tables/x.csv").startswith("tables/x.csv names each architecture by its id: station at "
                                                       "Earth-Moon L1 halo = station_module@eml1; ")
    assert rm.id_key({"plan": "plan"}, "tables/x.csv") == ""


def test_the_design_sheet_and_thermal_chain_name_designs_in_words_with_the_ids_once(tmp_path):
    sec = rm.designs_section(_space_run(designs=_sheet_designs()), tmp_path)
    tables = [b for b in sec.blocks if isinstance(b, rm.Table)]
    sheet, chain = tables[0], tables[-1]
    assert list(sheet.frame.columns)[1:] == [
        "station at Earth-Moon L1 halo; Generation 2034, 340 K radiator, 10 mm Al shielding",
        "station at lunar south pole, fission power, crater radiators; Next generation (Rubin class), 320 K "
        "radiator, 5 mm Al shielding",
        "station at lunar south pole, ridge solar arrays; Next generation (Rubin class), 320 K radiator, 5 mm Al "
        "shielding"]
    assert list(chain.frame["design"]) == list(sheet.frame.columns)[1:]
    ids = sheet.frame.set_index("").loc["id in tables/designs.csv"]
    assert list(ids) == ["station_module@eml1 gen_2034/340K/10mm",
                         "lunar_fission_station@lunar_south_pole rubin_class/320K/5mm",
                         "lunar_solar_station@lunar_south_pole rubin_class/320K/5mm"]
    cells = [str(x) for t in tables for x in [*t.frame.columns, *t.frame.to_numpy().ravel()]]
    assert sum("@" in c for c in cells) == 3  # each id once, in the sheet's id row
    assert "design sheet" in chain.note


def test_the_waterfall_columns_are_architectures_in_words(tmp_path):
    run = _waterfall_run()
    rows = run.tables["waterfall"].to_dict("records")
    space = [r | {"scope": "station_module@eml1", "family": "station"} for r in rows if r["scope"] == "plan"]
    run = _space_run(waterfall=pd.concat([run.tables["waterfall"], pd.DataFrame(space)], ignore_index=True))
    table = next(b for b in rm.waterfall_section(run, tmp_path).blocks if isinstance(b, rm.Table))
    assert list(table.frame.columns) == ["factor", "plan", "hyperscale campus, grid-connected",
                                         "station at Earth-Moon L1 halo"]
    assert "hyperscale campus, grid-connected = ground_campus@us_grid; station at Earth-Moon L1 halo = " \
           "station_module@eml1." in table.note, table.note


def test_the_workload_tables_name_architectures_and_workloads_in_words(tmp_path):
    alloc = _alloc_run().tables["allocation"]
    sec = rm.workloads_section(_space_run(allocation=alloc), tmp_path)
    table = next(b for b in sec.blocks if isinstance(b, rm.Table))
    training = table.frame[table.frame["workload"] == "Frontier training"]
    assert list(training["architecture"]) == ["hyperscale campus, grid-connected",  # largest share first
                                              "station at Earth-Moon L1 halo"]
    assert list(training["share"]) == ["75.0%", "25.0%"]
    assert not any("@" in a for a in table.frame["architecture"])
    assert "station at Earth-Moon L1 halo = station_module@eml1" in table.note
    unmet = {"workload": ["offworld"], "year": [2030], "eflop_s": [1.0], "demand_eflop_s": [2.0]}
    infeasible = rm.infeasible_section(_run({"status": "infeasible"}, {"workloads": WORKLOADS},
                                            tables={"unmet": unmet}))
    table = next(b for b in infeasible.blocks if isinstance(b, rm.Table))
    assert list(table.frame["workload"]) == ["Off-world missions (users on the Moon)"]


def test_launches_and_space_units_name_vehicles_and_architectures_in_words(tmp_path, monkeypatch):
    drawn = []
    monkeypatch.setattr(fig, "_save", lambda f, path: drawn.append(f) or path)
    la = {"year": [2031], "vehicle": ["starship"], "trips": [2], "flights": [12], "tanker_flights": [10],
          "cadence_cap": [84.0], "mass_launched_kg": [1.4e5], "payload_capacity_kg": [2e5], "cost_usd": [4.4e8]}
    table = next(b for b in rm.launch_section(_space_run(launches=la), tmp_path).blocks if isinstance(b, rm.Table))
    assert list(table.frame["vehicle"]) == ["Starship"]
    fleet = {"year": [2040, 2040], "architecture": ["station_module@eml1", "ground_campus@us_grid"],
             "family": ["station", "ground"], "units_in_service": [3, 0], "accelerators": [1.0, 1.0],
             "it_mw": [1.0, 1.0], "delivered_eflop_s": [1.0, 1.0]}
    rm.buildout_section(_space_run(fleet=fleet), tmp_path)
    legend = [t.get_text() for f in drawn if "by architecture" in f.axes[0].get_title()
              for t in f.axes[0].get_legend().get_texts()]
    assert legend == ["station at Earth-Moon L1 halo"], legend


def test_each_formulation_block_has_a_plain_english_lead_in():
    sec = rm.method_section(_run({}, {}))
    codes = [i for i, b in enumerate(sec.blocks) if isinstance(b, tuple) and b[0] == "code"]
    assert len(codes) == 6
    for i in codes:
        lead = sec.blocks[i - 1]
        title, _, sentence = lead.partition(".py). ")
        assert title.startswith("**") and sentence[:1].isupper() and sentence.endswith("."), lead
        assert "[" not in sentence and "sum_" not in sentence, sentence  # words, not the formulation's symbols


# ------------------------------------------------------------------------------ 2. what would it take


def _parity_run(space_acc: float) -> rm.Run:
    """A module built in 2029 paying accelerators + $20 launch + $50 bus per PFLOP/s-day against a ground campus
    paying $20 + $20 energy = $40."""
    scenario = {"horizon": {"first_year": 2027, "last_year": 2030}, "workloads": {"training": {"label": "training"}}}
    module, ground = "starship_module@leo_550_53", "ground_campus@us_grid"
    total = space_acc + 70.0
    vc = {"architecture": [module, ground], "family": ["module", "ground"], "vintage": [2029, 2029],
          "workload": ["training"] * 2, "usd_per_pflop_day": [total, 40.0], "space_to_ground": [total / 40.0, 1.0]}
    parts = {"family": ["module"] * 3 + ["ground"] * 2, "vintage": [2029] * 5, "workload": ["training"] * 5,
             "architecture": [module] * 3 + [ground] * 2, "design": ["x"] * 5,
             "part": ["accelerators", "launch", "bus", "accelerators", "energy"],
             "usd_per_pflop_day": [space_acc, 20.0, 50.0, 20.0, 20.0]}
    return _run({}, scenario, tables={"vintage_costs": vc, "unit_cost_parts": parts})


def test_what_would_it_take_is_the_cut_in_everything_but_the_accelerators():
    # $100 against $40: the $70 that is not accelerators must fall to $40 - $30 = $10, a cut of 6/7 = 86 %; without
    # the $20 launch the module still costs $80, 2.00x
    run = _parity_run(30.0)
    (p,) = rm.parity(run, run.t("vintage_costs"), "training")
    assert p["cut"] == pytest.approx(6 / 7) and p["total"] == pytest.approx(100.0) and p["ground"] == 40.0
    text = rm.parity_sentence(p, "module")
    assert "2.50x the ground campus" in text and "86% less ($70.00 down to $10.00)" in text, text
    assert "free launches it would still cost 2.00x" in text
    sec = rm.Section("x")
    rm.unit_parts(sec, run, run.t("vintage_costs"), "training")
    table = next(b for b in sec.blocks if isinstance(b, rm.Table)).frame
    assert list(table["pays for"]) == ["bus", "accelerators", "launch (with its insurance)", "energy", "total"]
    assert list(table.iloc[-1, 1:]) == ["$100.00", "$40.00"]
    # accelerators dearer per FLOP than the whole ground campus: no cut is enough
    (q,) = rm.parity(_parity_run(45.0), _parity_run(45.0).t("vintage_costs"), "training")
    assert q["cut"] is None and "no fall in its other costs" in rm.parity_sentence(q, "module")
