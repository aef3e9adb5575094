"""The catalog: the bundled data loads with provenance; units, bounds and references are checked with
one-line errors naming the file and field; overrides by dotted path; ``catalog_rows`` marks assumptions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from planner.catalog import DEFAULT_CATALOG_DIR, Catalog, Quantity, catalog_rows, load_catalog
from planner.catalog.load import OVERRIDE_SOURCE
from planner.catalog.schema import CONFIDENCES, table_at
from planner.errors import EXIT_BAD_INPUT, InputError

approx = pytest.approx


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


@pytest.fixture()
def cat_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled catalog to break."""
    d = tmp_path / "catalog"
    shutil.copytree(DEFAULT_CATALOG_DIR, d)
    return d


def edit(cat_dir: Path, filename: str, change) -> Path:
    """Load one catalog file, let ``change(doc)`` mutate it, write it back."""
    f = cat_dir / filename
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    change(doc)
    f.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return f


def one_problem(exc: pytest.ExceptionInfo) -> str:
    """The single problem line of an InputError (and check that it is one line)."""
    problems = exc.value.problems
    assert len(problems) == 1, problems
    assert "\n" not in problems[0]
    assert exc.value.exit_code == EXIT_BAD_INPUT
    return problems[0]


# ------------------------------------------------------------------------------------------------ bundled data


def test_bundled_catalog_loads(cat):
    assert {"h100_sxm", "b200"} <= set(cat.accelerators)
    assert {"falcon9", "starship"} <= set(cat.launch_vehicles)
    assert {"leo_550_53", "sso_650_dd", "geo", "eml1", "lunar_south_pole"} <= set(cat.sites)
    archs = cat.architectures()
    assert archs["swarm_satellite@leo_550_53"] == ("swarm_satellite", "leo_550_53", "swarm")
    assert archs["ground_campus@us_grid"] == ("ground_campus", "us_grid", "ground")
    assert len(cat.quantities()) > 300


def test_every_quantity_names_a_known_source(cat):
    missing = [(path, q.source) for path, q in cat.quantities() if q.source not in cat.sources]
    missing += [(f"dose_tables.{n}", t.source) for n, t in cat.dose_tables.items() if t.source not in cat.sources]
    assert not missing


def test_every_quantity_has_a_confidence_and_assumptions_say_how(cat):
    for path, q in cat.quantities():
        assert q.confidence in CONFIDENCES, path
        # a planner-team figure is never "measured" or "vendor"
        if q.source == "planner_team":
            assert q.confidence not in ("measured", "vendor"), path


def test_every_quantity_has_the_unit_its_field_declares(cat):
    # walk the schema: each Quantity field declares its unit in json_schema_extra
    def declared(model_cls, name):
        extra = model_cls.model_fields[name].json_schema_extra
        if extra is None:  # Optional[...] quantities keep it in the Annotated metadata
            for meta in model_cls.model_fields[name].metadata:
                if getattr(meta, "json_schema_extra", None):
                    return meta.json_schema_extra["unit"]
            ann = model_cls.model_fields[name].annotation
            for arg in getattr(ann, "__args__", ()):
                for meta in getattr(arg, "__metadata__", ()):
                    if getattr(meta, "json_schema_extra", None):
                        return meta.json_schema_extra["unit"]
            return None
        return extra["unit"]

    checked = 0
    for table in (cat.accelerators, cat.launch_vehicles, cat.sites, cat.platforms, cat.ground_regions):
        for entry in table.values():
            for name in type(entry).model_fields:
                q = getattr(entry, name)
                if isinstance(q, Quantity):
                    unit = declared(type(entry), name)
                    assert unit is not None, name
                    assert q.unit == unit, (name, q.unit, unit)
                    checked += 1
    assert checked > 200


def test_ranges_bracket_the_value(cat):
    """low <= value <= high, also year by year in trajectories (the schema checks scalars only)."""
    for path, q in cat.quantities():
        if isinstance(q.value, dict):
            for end, sign in (("low", 1), ("high", -1)):
                other = getattr(q, end)
                if other is None:
                    continue
                for year in set(q.value) | set(other):
                    assert sign * (q.at(year) - q.at(year, end)) >= -1e-9, (path, end, year)
        else:
            assert q.at(which="low") <= q.v <= q.at(which="high"), path


def test_published_figures_are_what_the_design_notes_say(cat):
    """Spot checks of the data against CATALOG.md (typos in data files are silent otherwise)."""
    h100, b200 = cat.accelerators["h100_sxm"], cat.accelerators["b200"]
    assert (h100.dense_bf16_tflops.v, h100.dense_fp8_tflops.v, h100.power_w.v) == (989, 1979, 700)
    assert (b200.dense_bf16_tflops.v, b200.dense_fp8_tflops.v, b200.power_w.v) == (2250, 4500, 1000)
    assert h100.mass_kg_packaged.v == approx(123 / 8, abs=0.05)  # DGX H100 123 kg / 8 GPUs
    assert b200.mass_kg_packaged.v == approx(1360 / 72, abs=0.05)  # NVL72 1.36 t / 72 GPUs
    assert h100.sdc_per_krad.v == approx(1000 / 17, abs=0.05)  # 1 SDC per 17 rad
    assert h100.crash_per_krad.v == approx(1000 / 425, abs=0.01)  # 1 crash per 400-450 rad
    assert h100.junction_max_k.v == approx(85 + 273.15, abs=0.5)
    ship = cat.launch_vehicles["starship"]
    assert (ship.dry_mass_t.v, ship.propellant_t.v, ship.isp_s.v) == (120, 1200, 380)
    assert cat.launch_vehicles["falcon9"].price_musd_per_flight.v * 1e6 / 17_500 == approx(4000, rel=0.01)
    assert all(s.solar_flux_w_m2.v == 1361 for s in cat.sites.values())
    assert cat.components.shielding.density_kg_per_m2_mm.v == 2.7
    assert cat.components.fission_power.specific_mass_kg_per_kwe.v == approx(15_000 / 100)
    assert cat.ground_regions["colocation"].lease_musd_per_mw_yr.v == approx(184 * 12 / 1000, abs=0.01)
    assert cat.ground_regions["us_grid"].facility_capex_musd_per_mw.v == 11.7
    # the 550 km / 55 deg dose-depth column (Pfandzelter & Bermbach)
    t = cat.dose_tables["leo_550_55deg"]
    assert t.shielding_mm_al == [1, 2, 3, 5, 10, 20]
    assert t.dose_rad_si_per_yr == [5248, 1909, 921, 320, 153, 110]
    # SSO 650: mean of the 95/100 deg columns x 1.327, e.g. 10 mm: (112 + 114) / 2 * 1.327 = 150.0
    sso = cat.dose_tables["sso_650"].dose_rad_si_per_yr
    for got, a, b in zip(sso, [6111, 2143, 961, 280, 112, 81], [6666, 2321, 1031, 293, 114, 82]):
        assert got == approx((a + b) / 2 * 1.327, rel=0.002)


def test_site_dose_tables_exist_and_doses_fall_with_shielding(cat):
    for name, site in cat.sites.items():
        table = cat.dose_tables[site.dose_table]
        assert all(a > b for a, b in zip(table.dose_rad_si_per_yr, table.dose_rad_si_per_yr[1:])), name


# -------------------------------------------------------------------------------------------- checks on files


def test_wrong_unit_is_rejected_with_one_line_naming_file_and_field(cat_dir):
    f = edit(cat_dir, "accelerators.yaml", lambda d: d["accelerators"]["b200"]["power_w"].update(unit="kW"))
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    line = one_problem(exc)
    assert line.startswith(f"{f}: accelerators.b200.power_w: ")
    assert "'kW'" in line and "'W'" in line


def test_wrong_unit_in_a_nested_table(cat_dir):
    f = edit(cat_dir, "components.yaml",
             lambda d: d["components"]["radiator"]["areal_mass_kg_per_m2"].update(unit="kg/m^2"))
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    assert one_problem(exc).startswith(f"{f}: components.radiator.areal_mass_kg_per_m2: unit is 'kg/m^2'")


@pytest.mark.parametrize("filename,path,value,expect", [
    ("accelerators.yaml", ("accelerators", "b200", "power_w"), -5, "must be > 0"),
    ("accelerators.yaml", ("accelerators", "b200", "junction_max_k"), 600, "must be < 500"),
    ("components.yaml", ("components", "solar_array", "cell_efficiency"), 1.3, "must be <= 1"),
    ("components.yaml", ("components", "radiator", "sides"), 3, "must be <= 2"),
    ("sites.yaml", ("sites", "geo", "dose_margin"), 0.5, "must be >= 1"),
    ("ground.yaml", ("ground_regions", "us_grid", "pue"), 0.9, "must be >= 1"),
])
def test_bounds_are_checked(cat_dir, filename, path, value, expect):
    def change(d):
        q = d[path[0]][path[1]][path[2]]
        q.pop("low", None)
        q.pop("high", None)
        q["value"] = value

    f = edit(cat_dir, filename, change)
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    line = one_problem(exc)
    assert line.startswith(f"{f}: {'.'.join(path)}: ")
    assert expect in line


def test_bounds_apply_to_every_year_of_a_table(cat_dir):
    def change(d):
        d["launch_vehicles"]["starship"]["cadence_flights_per_yr"]["value"][2035] = -1

    f = edit(cat_dir, "launch.yaml", change)
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    line = one_problem(exc)
    assert line.startswith(f"{f}: launch_vehicles.starship.cadence_flights_per_yr: ") and ">= 0" in line


def test_range_must_bracket_value(cat_dir):
    f = edit(cat_dir, "accelerators.yaml", lambda d: d["accelerators"]["b200"]["price_usd"].update(low=45_000))
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    assert one_problem(exc).startswith(f"{f}: accelerators.b200.price_usd: low 45000")


def test_unknown_source_is_rejected_with_a_suggestion(cat_dir):
    f = edit(cat_dir, "accelerators.yaml",
             lambda d: d["accelerators"]["b200"]["power_w"].update(source="nvidia_b2000"))
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    line = one_problem(exc)
    assert line.startswith(f"{f}: accelerators.b200.power_w.source: unknown source 'nvidia_b2000'")
    assert "did you mean 'nvidia_b200'" in line


def test_unknown_field_and_missing_field(cat_dir):
    def change(d):
        d["accelerators"]["b200"]["power_ww"] = d["accelerators"]["b200"].pop("power_w")

    f = edit(cat_dir, "accelerators.yaml", change)
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    lines = exc.value.problems
    assert f"{f}: accelerators.b200.power_ww: unknown field (did you mean 'power_w'?)" in lines
    assert f"{f}: accelerators.b200.power_w: required field is missing" in lines
    assert len(lines) == 2


def test_bad_confidence_word(cat_dir):
    f = edit(cat_dir, "components.yaml",
             lambda d: d["components"]["battery"]["max_depth_of_discharge"].update(confidence="sure"))
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    assert one_problem(exc).startswith(f"{f}: components.battery.max_depth_of_discharge.confidence: ")


def test_cross_references_are_checked(cat_dir):
    f = edit(cat_dir, "sites.yaml", lambda d: d["sites"]["geo"].update(dose_table="gep"))
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    assert one_problem(exc) == f"{f}: sites.geo.dose_table: unknown dose table 'gep' (did you mean 'geo'?)"


def test_platform_names_unknown_site_and_vehicle(cat_dir):
    def change(d):
        d["platforms"]["swarm_satellite"]["sites"] = ["leo_550_35"]
        d["platforms"]["swarm_satellite"]["vehicles"] = ["falcon_9"]

    f = edit(cat_dir, "platforms.yaml", change)
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    lines = exc.value.problems
    assert f"{f}: platforms.swarm_satellite.sites: unknown site 'leo_550_35' (did you mean 'leo_550_53'?)" in lines
    assert any(line.startswith(f"{f}: platforms.swarm_satellite.vehicles: unknown launch vehicle 'falcon_9'")
               for line in lines)


def test_site_thermal_environment_is_one_method_never_both(cat_dir):
    extra = {"value": 250, "unit": "K", "source": "geometry", "confidence": "measured"}
    f = edit(cat_dir, "sites.yaml", lambda d: d["sites"]["geo"].update(effective_sink_k=extra))
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    line = one_problem(exc)
    assert line.startswith(f"{f}: sites.geo: ") and "never both" in line


def test_table_defined_twice_and_duplicate_keys(cat_dir):
    (cat_dir / "zz_extra.yaml").write_text("launch_vehicles: {}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    assert one_problem(exc).startswith(f"{cat_dir / 'zz_extra.yaml'}: launch_vehicles: table also defined in ")
    (cat_dir / "zz_extra.yaml").write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    line = one_problem(exc)
    assert line.startswith(f"{cat_dir / 'zz_extra.yaml'}: line 2: malformed YAML") and "duplicate key 'a'" in line


def test_malformed_yaml_and_empty_folder(cat_dir, tmp_path):
    (cat_dir / "sites.yaml").write_text("sites: {geo: [\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_catalog(cat_dir)
    assert one_problem(exc).startswith(f"{cat_dir / 'sites.yaml'}: line ")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError) as exc:
        load_catalog(empty)
    assert one_problem(exc).startswith(f"{empty}: ")


# -------------------------------------------------------------------------------------------------- overrides


def test_override_number(cat):
    c = load_catalog(overrides={"accelerators.b200.power_w": 1100}, where="my.yaml")
    q = c.accelerators["b200"].power_w
    assert q.v == 1100
    assert q.source == OVERRIDE_SOURCE and q.confidence == "our assumption" and q.is_assumption
    assert "my.yaml" in q.note
    # the catalog's own range still brackets 1100 and is kept; a value outside it drops the range (it belongs
    # to the catalog's value, and a one-sided range would make sensitivities lopsided)
    assert (q.low, q.high) == (1000, 1200)
    q = load_catalog(overrides={"accelerators.b200.power_w": 5000}).accelerators["b200"].power_w
    assert q.v == 5000 and q.high is None and q.low is None
    # the untouched catalog is unchanged
    assert cat.accelerators["b200"].power_w.v == 1000


def test_override_year_table():
    c = load_catalog(overrides={"launch_vehicles.starship.price_musd_per_flight": {2030: 50, 2040: 10}})
    q = c.launch_vehicles["starship"].price_musd_per_flight
    assert q.value == {2030: 50, 2040: 10}
    assert q.low is None and q.high is None
    # linear between years, flat beyond: 2035 -> (50 + 10) / 2 = 30
    assert q.at(2035) == approx(30)
    assert q.at(2025) == 50 and q.at(2050) == 10
    assert q.source == OVERRIDE_SOURCE


def test_override_low_and_high_pick_the_catalog_range(cat):
    c = load_catalog(overrides={"accelerators.b200.power_w": "high", "components.battery.max_depth_of_discharge": "low",
                                "launch_vehicles.starship.price_musd_per_flight": "low"})
    q = c.accelerators["b200"].power_w
    assert q.v == 1200  # catalog range 1000-1200
    assert q.source == "nvidia_b200" and q.confidence == "vendor"  # provenance kept
    assert q.note.startswith("high end of the catalog range")
    assert q.low is None and q.high is None
    assert c.components.battery.max_depth_of_discharge.v == 0.6
    ship = c.launch_vehicles["starship"].price_musd_per_flight
    assert ship.value == cat.launch_vehicles["starship"].price_musd_per_flight.low
    assert ship.at(2030) == 15


def test_override_range_word_without_a_range_keeps_the_value():
    q = load_catalog(overrides={"accelerators.b200.first_year": "high"}).accelerators["b200"].first_year
    assert q.v == 2025


def test_override_whole_quantity():
    new = {"value": 0.25, "unit": "1", "source": "suncatcher_2025", "confidence": "published estimate"}
    q = load_catalog(overrides={"components.solar_array.cell_efficiency": new}).components.solar_array.cell_efficiency
    assert q.v == 0.25 and q.source == "suncatcher_2025"
    with pytest.raises(InputError) as exc:
        load_catalog(overrides={"components.solar_array.cell_efficiency": dict(new, unit="%")}, where="s.yaml")
    assert one_problem(exc).startswith("s.yaml: catalog.components.solar_array.cell_efficiency: unit is '%'")


def test_override_non_quantity_field():
    c = load_catalog(overrides={"accelerators.b200.label": "Blackwell"})
    assert c.accelerators["b200"].label == "Blackwell"
    with pytest.raises(InputError) as exc:
        load_catalog(overrides={"accelerators.b200": 5}, where="s.yaml")
    assert one_problem(exc) == "s.yaml: catalog.accelerators.b200: expected a dict"


@pytest.mark.parametrize("path,expect", [
    ("accelerators.b200.power_wx", "no catalog value 'power_wx' (did you mean 'power_w'?)"),
    ("accelerators.b2000.power_w", "no catalog entry 'accelerators.b2000' (did you mean 'b200'?)"),
    ("acelerators.b200.power_w", "no catalog entry 'acelerators' (did you mean 'accelerators'?)"),
])
def test_override_unknown_path_suggests(path, expect):
    with pytest.raises(InputError) as exc:
        load_catalog(overrides={path: 3}, where="s.yaml")
    assert one_problem(exc) == f"s.yaml: catalog.{path}: {expect}"


@pytest.mark.parametrize("value", ["abc", True, None, [1, 2]])
def test_override_bad_value(value):
    with pytest.raises(InputError) as exc:
        load_catalog(overrides={"accelerators.b200.power_w": value}, where="s.yaml")
    line = one_problem(exc)
    assert line.startswith("s.yaml: catalog.accelerators.b200.power_w: expected a number")


def test_override_out_of_bounds_is_blamed_on_the_override():
    with pytest.raises(InputError) as exc:
        load_catalog(overrides={"accelerators.b200.power_w": -1}, where="s.yaml")
    assert one_problem(exc) == "s.yaml: catalog.accelerators.b200.power_w: value -1.0 must be > 0"
    with pytest.raises(InputError) as exc:
        load_catalog(overrides={"components.radiator.sides": 3}, where="s.yaml")
    assert one_problem(exc) == "s.yaml: catalog.components.radiator.sides: value 3.0 must be <= 2"


def test_override_that_breaks_a_check_across_fields_is_blamed_on_the_override():
    # first_year 2040 after the catalog's last_year 2030: the entry-level check fails, and the override caused it
    with pytest.raises(InputError) as exc:
        load_catalog(overrides={"accelerators.b200.first_year": 2040}, where="s.yaml")
    assert one_problem(exc) == "s.yaml: catalog.accelerators.b200: last_year is before first_year"


# ------------------------------------------------------------------------------------------------ catalog_rows


def test_catalog_rows(cat):
    rows = catalog_rows(cat)
    assert len(rows) == len(cat.quantities())
    assert {r["path"] for r in rows} == {p for p, _ in cat.quantities()}
    keys = {"path", "value", "low", "high", "unit", "source", "source_title", "date", "confidence", "assumption",
            "note", "groups", "space_end"}
    assert all(set(r) == keys for r in rows)
    for r in rows:
        assert r["assumption"] == (r["confidence"] == "our assumption"), r["path"]
    assert any(r["assumption"] for r in rows) and not all(r["assumption"] for r in rows)
    by_path = {r["path"]: r for r in rows}
    h = by_path["accelerators.h100_sxm.power_w"]
    assert (h["value"], h["unit"], h["source"], h["assumption"]) == (700, "W", "nvidia_h100_ds", False)
    assert h["source_title"].startswith("NVIDIA H100")
    assert h["date"] == "2023"  # the source's year when the value has no date of its own
    assert by_path["host_overhead.ground_cooling_fraction"]["assumption"] is True


def test_catalog_rows_mark_overrides_as_assumptions():
    rows = {r["path"]: r for r in catalog_rows(load_catalog(overrides={"accelerators.b200.power_w": 1100}))}
    r = rows["accelerators.b200.power_w"]
    assert r["value"] == 1100 and r["source"] == OVERRIDE_SOURCE and r["assumption"] is True
    assert r["source_title"] == "scenario override"


# --------------------------------------------------------------------------------------------- Quantity helpers


def test_quantity_year_tables_and_scalars():
    q = Quantity(value={2027: 90, 2030: 40, 2035: 20}, low={2027: 50, 2035: 6}, unit="MUSD", source="x",
                 confidence="published estimate")
    # 2028: 90 + (40 - 90) / 3 = 73.33; flat before 2027 and after 2035
    assert q.at(2028) == approx(90 - 50 / 3)
    assert q.at(2020) == 90 and q.at(2040) == 20
    assert q.at(2031, "low") == approx(50 + (6 - 50) * 4 / 8)
    assert q.at(2031, "high") == q.at(2031)  # no high: the value
    with pytest.raises(ValueError):
        q.at()
    s = Quantity(value=3.5, unit="kg", source="x", confidence="measured")
    assert s.v == 3.5 and s.at(2040) == 3.5 and not s.is_assumption
    assert table_at({2030: 1.0}, 2000) == 1.0


def test_quantity_range_must_have_the_value_form():
    with pytest.raises(ValueError):
        Quantity(value=3.0, low={2030: 1.0}, unit="kg", source="x", confidence="measured")
    with pytest.raises(ValueError):
        Quantity(value=3.0, low=4.0, high=5.0, unit="kg", source="x", confidence="measured")


def test_override_that_breaks_a_reference_is_blamed_on_the_override():
    with pytest.raises(InputError) as exc:
        load_catalog(overrides={"sites.geo.dose_table": "leo_550_55"}, where="s.yaml")
    assert one_problem(exc) == \
        "s.yaml: catalog.sites.geo.dose_table: unknown dose table 'leo_550_55' (did you mean 'leo_550_55deg'?)"
    with pytest.raises(InputError) as exc:
        load_catalog(overrides={"platforms.swarm_satellite.sites": ["leo_550_53", "moon"]}, where="s.yaml")
    assert one_problem(exc) == "s.yaml: catalog.platforms.swarm_satellite.sites: unknown site 'moon'"
