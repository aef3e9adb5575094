"""planner app (issue 20) under Streamlit's AppTest: every view renders on the reference run, a small sweep and a
hedge folder with no exception; a slider re-solve gives the numbers of `planner run --set` with the same values; an
infeasible slider value shows why; missing and damaged folders are messages on the page. The sliders, the
request queue and the batch charts are tested alone below."""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")
pytest.importorskip("plotly")
pytest.importorskip("altair")

from streamlit.testing.v1 import AppTest  # noqa: E402

from planner.app import batch as batch_charts  # noqa: E402
from planner.app import knobs  # noqa: E402
from planner.app.folders import discover  # noqa: E402
from planner.app.ui import PATHS_ENV  # noqa: E402
from planner.app.whatif import WhatIf  # noqa: E402
from planner.cli import main as cli  # noqa: E402
from planner.scenario.load import load_scenario  # noqa: E402
from planner.sensitivity import group_overrides  # noqa: E402
from tests.app_fixtures import REFERENCE, SMALL, corrupt_run, hedge_folder, small_run, small_sweep  # noqa: E402

MAIN = str(REFERENCE.parents[1] / "planner" / "app" / "main.py")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("app")
    run = small_run(base)
    return {"base": base, "run": run, "sweep": small_sweep(base), "hedge": hedge_folder(base),
            "corrupt": corrupt_run(base, run)}


def app(monkeypatch, *paths, view: str = "Plan") -> AppTest:
    monkeypatch.setenv(PATHS_ENV, ":".join(str(p) for p in paths))
    at = AppTest.from_file(MAIN, default_timeout=180)
    at.query_params["view"] = view
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def charts(at: AppTest) -> int:
    """Charts drawn: Altair (Vega-Lite) and Plotly (the parallel coordinates, drawn when their panel is opened)."""
    return len(at.get("vega_lite_chart")) + len(at.get("plotly_chart"))


def vega(at: AppTest, title: str) -> tuple[dict, list[pd.DataFrame]]:
    """The Vega-Lite spec of the chart with that title (its start) as sent to the browser, and its data frames."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    for el in at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        name = spec.get("title", "")
        if (name.get("text", "") if isinstance(name, dict) else name).startswith(title):
            return spec, [convert_arrow_bytes_to_pandas_df(d.data.data) for d in el.proto.datasets]
    raise AssertionError(f"no chart titled {title!r}")


def text(at: AppTest) -> str:
    return "\n".join(x.value for kind in ("markdown", "caption", "error", "info", "warning")
                     for x in getattr(at, kind))


# ------------------------------------------------------------------------------------------- every view


def test_plan_view_of_the_reference(monkeypatch):
    at = app(monkeypatch, REFERENCE)
    no_exception(at)
    assert at.sidebar.radio(key="view").value == "Plan"
    # cost per FLOP, build-out, launches, unit cost split, waterfall: Altair, each with a point selection (a click
    # narrows its provenance panel) that reruns the page
    assert len(at.get("vega_lite_chart")) == 5 and not at.get("plotly_chart")
    assert all(list(el.proto.selection_mode) == ["pick"] for el in at.get("vega_lite_chart"))
    # what the charts draw is the run's tables: delivered compute by year and family, flights by year
    fleet = pd.read_csv(REFERENCE / "tables" / "fleet.csv").groupby(["year", "family"])["delivered_eflop_s"].sum()
    _, (drawn,) = vega(at, "Delivered compute by family")
    assert drawn.set_index(["year", "family"])["delivered_eflop_s"].sort_index().to_dict() == \
        pytest.approx(fleet.sort_index().to_dict())
    flights = pd.read_csv(REFERENCE / "tables" / "launches.csv")["flights"].sum()
    assert vega(at, "Launches per year")[1][0]["flights"].sum() == pytest.approx(flights)
    spec, frames = vega(at, "Cost per delivered FLOP")  # log axis, a line per family and the ground's benchmarks
    assert spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    series = set(frames[0]["series"])
    assert {"ground: new unit (average)", "ground: marginal"} <= series
    s = json.loads((REFERENCE / "summary.json").read_text())
    wf = pd.read_csv(REFERENCE / "tables" / "waterfall.csv")
    delivered = 100 * wf[wf["scope"] == "plan"].sort_values("step")["share_of_peak"].iloc[-1]
    bars = vega(at, "From installed peak to delivered FLOP")[1][0].set_index("factor")
    assert bars.loc["installed peak", "end"] == 100 and bars.loc["delivered", "end"] == pytest.approx(delivered)
    at.session_state["plan:binding:open"] = True  # the binding constraints' panel, drawn when opened
    at.run()
    assert charts(at) == 6 and not at.get("plotly_chart")
    caps = vega(at, "Binding caps")[1][0]
    table = next(d.value for d in at.dataframe if "shadow_price" in d.value.columns)
    assert list(caps["shadow_price"]) == list(table["shadow_price"].head(len(caps)))  # largest first, as the table
    words = text(at)
    assert "Is compute in space cheaper" in words  # page 1's verdict
    assert "Download as PNG" in words  # where each chart's PNG comes from
    assert at.metric[0].value == f"${s['usd_per_pflop_day']:,.2f}"
    assert any("Catalog values behind" in e.label for e in at.expander)  # provenance panels, drawn when opened
    assert not any("catalog value" in d.value.columns for d in at.dataframe)
    at.session_state["prov:plan:buildout:open"] = True
    at.run()
    shown = next(d.value for d in at.dataframe if "catalog value" in d.value.columns)
    assert len(shown) and shown["catalog value"].str.startswith(("ground_regions", "platforms", "sites")).all()


def test_batch_compare_and_hedge_views(monkeypatch, folders):
    at = app(monkeypatch, REFERENCE, folders["run"], folders["sweep"], folders["hedge"], view="Batch")
    no_exception(at)
    assert at.sidebar.radio(key="view").options == ["Plan", "What-if", "Batch", "Compare", "Hedge"]
    # two distributions, P(space) by year, the grid's surface, the draws: Altair
    assert len(at.get("vega_lite_chart")) == 5 and not at.get("plotly_chart")
    _, (cells, *_) = vega(at, "Plan / ground-only cost per FLOP")  # the grid's 4 cells: the break-even surface
    grid = pd.read_parquet(folders["sweep"] / "results.parquet")
    assert sorted(cells["value"]) == pytest.approx(sorted(grid["plan_to_ground"]))
    assert list(at.get("vega_lite_chart")[-1].proto.selection_mode) == ["draws"]  # a box selects draws
    at.session_state["batch:parallel:open"] = True  # parallel coordinates (WebGL), drawn when opened (Plotly)
    at.run()
    assert charts(at) == 6 and any("parcoords" in c.proto.spec for c in at.get("plotly_chart"))
    assert "4 draws selected" in text(at)
    at.sidebar.radio(key="view").set_value("Compare").run()
    no_exception(at)
    assert len(at.get("vega_lite_chart")) == 2 and len(at.dataframe) >= 3
    costs = vega(at, "Cost per delivered FLOP by run")[1][0]
    assert costs[costs["plan of"] == "plan"]["usd_per_pflop_day"].tolist() == pytest.approx(
        [json.loads((f / "summary.json").read_text())["usd_per_pflop_day"] for f in (REFERENCE, folders["run"])])
    at.sidebar.radio(key="view").set_value("Hedge").run()
    no_exception(at)
    assert "Hedge: demo" in [h.value for h in at.header]
    assert [m.value for m in at.metric][:2] == ["$9.10", "$2.5 M"]
    assert any("in_high" in d.value.columns for d in at.dataframe)  # regret.csv
    assert any("recourse/high/ (1 table)" in e.label for e in at.expander)


def test_no_hedge_view_without_a_hedge_folder(monkeypatch, folders):
    at = app(monkeypatch, folders["run"])
    no_exception(at)
    assert "Hedge" not in at.sidebar.radio(key="view").options


# ------------------------------------------------------------------------------------------- what-if


def _planner_run(tmp_path, overrides: dict) -> dict:
    out = tmp_path / "cli_run"
    argv = ["run", str(SMALL), "--out", str(out), "--analysis", "off", "--no-report", "--quiet"]
    for s in knobs.as_set_options(overrides):
        argv += ["--set", s]
    assert cli(argv) == 0
    return json.loads((out / "summary.json").read_text())


def test_a_slider_re_solves_like_planner_run_set(monkeypatch, folders, tmp_path):
    at = app(monkeypatch, folders["run"], view="What-if")
    no_exception(at)
    base = at.session_state["whatif:last"]
    assert base["status"] == "optimal"
    at.slider(key="knob:launch_price").set_value(0.5).run()
    no_exception(at)
    got = at.session_state["whatif:last"]
    assert got["request"] != base["request"] and got["status"] == "optimal"
    assert "model update" in text(at)  # re-solved in place, not rebuilt
    rs = load_scenario(folders["run"] / "scenario.resolved.yaml")
    ov = knobs.overrides(rs, {k: 0.5 for k in knobs.NAMED if k.key == "launch_price"})
    assert ov and all(k.startswith("catalog.launch_vehicles.") for k in ov)
    want = _planner_run(tmp_path, ov)
    assert got["usd_per_pflop_day"] == pytest.approx(want["usd_per_pflop_day"], rel=1e-6)
    assert got["npv_cost_usd"] == pytest.approx(want["npv_cost_usd"], rel=1e-6)
    assert got["usd_per_pflop_day"] > base["usd_per_pflop_day"]  # launches dearer, the plan dearer
    assert at.metric[0].value == f"${got['usd_per_pflop_day']:,.2f}"


def test_an_infeasible_slider_value_explains_why_and_the_session_recovers(monkeypatch, folders):
    at = app(monkeypatch, folders["run"], view="What-if")
    base = at.session_state["whatif:last"]
    at.slider(key="knob:cadence").set_value(-1.0).run()
    no_exception(at)
    assert at.session_state["whatif:last"]["status"] == "infeasible"
    words = text(at)
    assert "infeasible" in words and "cannot be served" in words and "Evidence" in words
    at.slider(key="knob:cadence").set_value(0.0).run()
    back = at.session_state["whatif:last"]
    assert back["status"] == "optimal"
    assert back["usd_per_pflop_day"] == pytest.approx(base["usd_per_pflop_day"], rel=1e-9)


def test_the_preview_is_the_fixed_plan_evaluation_of_the_plan_shown_then_the_re_solve_replaces_it(folders):
    """A slider change answers a preview first: the plan shown (the run's) held, re-costed under the new values. Its
    numbers are those of `planner sweep --plan`'s fixed-plan evaluation of that plan (Session(fixed=...)); the full
    re-solve that follows is the optimum (no dearer than the held plan). A plan the new values cannot carry out has
    no preview, and the page is told why."""
    from planner.results.plan import read_decisions
    from planner.session import Session, with_overrides

    f = folders["run"] / "scenario.resolved.yaml"
    rs = load_scenario(f)
    launch, cadence = (next(k for k in knobs.NAMED if k.key == key) for key in ("launch_price", "cadence"))
    w = WhatIf(f)
    try:
        base = w.wait(w.submit({}), 120)
        assert w.preview_of(base.request) is None  # the first solve has no plan to hold yet
        ov = knobs.overrides(rs, {launch: 1.0})
        r = w.submit(ov)
        pv, final = w.wait_preview(r, 120), w.wait(r, 120)
        assert pv.how == "preview" and pv.status == "optimal" and final.how == "update"
        # the preview has the plan's own tables; the units' costs under the new values come with the re-solve
        assert "vintage_costs" not in pv.tables and len(final.tables["vintage_costs"])
        plan, sizes = read_decisions(base.tables["decisions"])
        held, _ = read_decisions(pv.tables["decisions"])
        assert {k: v for k, v in held.units.items() if v > 0.5} == {k: v for k, v in plan.units.items() if v > 0.5}
        assert held.trips == plan.trips and plan.units
        fixed = Session(with_overrides(rs, ov), fixed=plan, sizes=sizes)
        res, how, _ = fixed.evaluate()
        want = fixed.summarise(res)
        assert how == "exact"
        for key in ("usd_per_pflop_day", "npv_cost_usd", "npv_penalty_usd"):
            assert pv.summary[key] == pytest.approx(want[key], rel=1e-6), key
        assert pv.summary["usd_per_pflop_day"] > base.summary["usd_per_pflop_day"]  # dearer launches, same plan
        gap = rs.scenario.solver.mip_gap
        assert final.summary["npv_cost_usd"] + final.summary["npv_penalty_usd"] <= \
            (pv.summary["npv_cost_usd"] + pv.summary["npv_penalty_usd"]) * (1 + gap)
        # the session is left as it was: the same re-solve again gives the same plan (bounds restored)
        again = w.wait(w.submit({}), 120)
        assert again.summary["usd_per_pflop_day"] == pytest.approx(base.summary["usd_per_pflop_day"], rel=1e-9)
        # fewer flights a year than the plan flies: the plan cannot be held, and the preview says so
        r = w.submit(knobs.overrides(rs, {cadence: -1.0}))
        pv = w.wait_preview(r, 120)
        assert pv.status == "skipped" and "cannot be carried out" in pv.error and not pv.has_plan
    finally:
        w.close()


def test_the_page_shows_the_preview_then_the_re_solved_plan(monkeypatch, folders):
    at = app(monkeypatch, folders["run"], view="What-if")
    base = at.session_state["whatif:last"]
    at.slider(key="knob:launch_price").set_value(1.0).run()
    no_exception(at)
    pv, got = at.session_state["whatif:preview"], at.session_state["whatif:last"]
    assert pv["request"] == got["request"] and pv["status"] == "optimal"
    assert pv["usd_per_pflop_day"] > base["usd_per_pflop_day"]
    assert "preview" in text(at)  # the caption of the re-solved plan says how long the preview took
    assert at.metric[0].value == f"${got['usd_per_pflop_day']:,.2f}"  # the re-solve replaced the preview


def _running(w: WhatIf, request: int) -> None:
    for _ in range(2000):
        if w.state()["running"] == request:
            return
        threading.Event().wait(0.005)
    raise AssertionError(f"request {request} never started")


def test_a_change_made_while_one_solves_is_queued_and_tabs_do_not_share_a_model(folders):
    f = folders["run"] / "scenario.resolved.yaml"
    rs = load_scenario(f)
    launch = next(k for k in knobs.NAMED if k.key == "launch_price")
    a, b = WhatIf(f), WhatIf(f)  # two browser tabs, each with its own solver session
    try:
        with a.lock:  # the solver is busy: the first change is taken up and waits for it
            first = a.submit(knobs.overrides(rs, {launch: 1.0}))
            _running(a, first)
            second = a.submit(knobs.overrides(rs, {launch: -1.0}))  # made while the first one solves
            assert a.state()["pending"] == second
        other = b.submit(knobs.overrides(rs, {launch: -1.0}))
        high, low, low_b = a.wait(first, 120), a.wait(second, 120), b.wait(other, 120)
        assert high.status == low.status == low_b.status == "optimal"  # the second change was not lost
        base = a.base.summary["usd_per_pflop_day"]
        assert low.summary["usd_per_pflop_day"] < base < high.summary["usd_per_pflop_day"]
        assert low.summary["usd_per_pflop_day"] == pytest.approx(low_b.summary["usd_per_pflop_day"], rel=1e-9)
        assert b.base.summary["usd_per_pflop_day"] == pytest.approx(base, rel=1e-9)
        # while one solves, a newer change replaces a pending one not yet started: the latest state is solved
        with a.lock:
            x = a.submit(knobs.overrides(rs, {launch: 0.5}))
            _running(a, x)
            y = a.submit(knobs.overrides(rs, {launch: -0.5}))
            z = a.submit({})
        assert a.wait(y, 120).status == "superseded"
        assert a.wait(x, 120).status == "optimal"
        assert a.wait(z, 120).summary["usd_per_pflop_day"] == pytest.approx(base, rel=1e-9)
    finally:
        a.close()
        b.close()


def test_an_idle_solver_session_is_freed_and_rebuilt_when_asked_again(folders, monkeypatch):
    from planner.app import whatif

    monkeypatch.setattr(whatif, "IDLE_S", 0.3)
    w = WhatIf(folders["run"] / "scenario.resolved.yaml")
    try:
        first = w.wait(w.submit({}), 120)
        for _ in range(200):  # the tab went quiet: the model is dropped
            if w.session is None:
                break
            threading.Event().wait(0.05)
        assert w.session is None
        again = w.wait(w.submit({}), 120)
        assert again.summary["usd_per_pflop_day"] == pytest.approx(first.summary["usd_per_pflop_day"], rel=1e-9)
    finally:
        w.close()


def test_a_server_keeps_at_most_n_solver_sessions_and_tells_the_tab_whose_session_it_dropped(monkeypatch, folders):
    from planner.app import whatif

    monkeypatch.setenv(whatif.MAX_WHATIF_ENV, "1")
    first = app(monkeypatch, folders["run"], view="What-if")  # tab 1
    mine = first.session_state["whatif"]
    assert mine.session is not None and not mine.evicted
    second = app(monkeypatch, folders["run"], view="What-if")  # tab 2: one session per server, tab 1's is dropped
    no_exception(second)
    assert mine.session is None and "closed to free memory" in mine.evicted
    assert mine.wait(mine.submit({}), 5).status == "error"  # a dropped session answers at once, it never hangs
    assert second.session_state["whatif"].session is not None
    first.slider(key="knob:launch_price").set_value(0.5).run()  # tab 1 is used again: told, rebuilt, re-solved
    no_exception(first)
    assert any("closed to free memory" in w.value for w in first.warning)
    assert first.session_state["whatif:last"]["status"] == "optimal"
    assert first.session_state["whatif"] is not mine and second.session_state["whatif"].evicted
    for at in (first, second):
        at.session_state["whatif"].close()


# ------------------------------------------------------------------------------------------- bad input


def test_missing_and_damaged_folders_are_messages_on_the_page(monkeypatch, folders):
    at = app(monkeypatch, folders["base"] / "no_such_run")
    no_exception(at)
    assert any("no_such_run: no such folder" in e.value for e in at.error)
    at = app(monkeypatch, folders["corrupt"])
    no_exception(at)
    errors = " ".join(e.value for e in at.error)
    assert "cannot be shown" in errors and "summary.json" in errors and "unreadable" in errors
    at.sidebar.radio(key="view").set_value("What-if").run()
    no_exception(at)
    assert "cannot be shown" in " ".join(e.value for e in at.error)


def test_planner_app_refuses_a_missing_folder_and_a_bad_port(tmp_path, capsys):
    assert cli(["app", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert cli(["app", str(tmp_path), "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------- parts


def test_sliders_move_values_within_their_ranges(folders):
    rs = load_scenario(folders["run"] / "scenario.resolved.yaml")
    payload = next(k for k in knobs.NAMED if k.key == "payload")
    q = dict(rs.catalog.quantities())["launch_vehicles.starship.payload_leo_t"]
    from planner.catalog.schema import table_at

    def same(a, b) -> bool:
        """Equal numbers, or year tables equal in every year (a table may list more years on the same line)."""
        if not isinstance(a, dict) and not isinstance(b, dict):
            return a == pytest.approx(b)
        return all(table_at(a, y) == pytest.approx(table_at(b, y)) for y in range(2025, 2051))

    def mix(a, b, t):
        return ({y: table_at(a, y) + t * (table_at(b, y) - table_at(a, y)) for y in range(2025, 2051)}
                if isinstance(a, dict) or isinstance(b, dict) else a + t * (b - a))

    assert knobs.overrides(rs, {payload: 0.0}) == {}
    assert same(knobs.overrides(rs, {payload: 1.0})["catalog.launch_vehicles.starship.payload_leo_t"], q.high)
    half = knobs.overrides(rs, {payload: -0.5})["catalog.launch_vehicles.starship.payload_leo_t"]
    assert same(half, mix(q.value, q.low, 0.5))
    group = next(k for k in knobs.GROUP_KNOBS if k.group == "launch")
    holder = type("S", (), {"base_rs": rs})()
    assert knobs.overrides(rs, {group: -1.0}) == group_overrides(holder, "launch", 1.0, "ground")
    # a value slider wins over its group where both move a value
    both = knobs.overrides(rs, {group: 1.0, payload: -1.0})
    assert same(both["catalog.launch_vehicles.starship.payload_leo_t"], q.low)
    assert knobs.as_set_options({"a.b": {2027: 1.5, 2030: 2.0}, "c": 3.0}) == ["a.b={2027: 1.5, 2030: 2.0}", "c=3.0"]


def test_folders_are_recognised_by_kind(folders):
    found = {f.path.name: f.kind for f in discover([folders["base"]])}
    assert found["small_run"] == "run" and found["app_grid"] == "sweep" and found["demo"] == "hedge"
    assert found["corrupt_run"] == "run"  # recognised by its marker; reading it is what fails, on the page


def test_parallel_coordinates_put_the_deciding_input_first():
    rng = np.random.default_rng(1)
    n = 120
    decides, noise = rng.uniform(1, 2, n), rng.uniform(0, 1, n)
    ok = pd.DataFrame({"case_id": [f"{i:016x}" for i in range(n)], "set:catalog.x": decides, "set:catalog.y": noise,
                       "usd_per_pflop_day": 10 * decides + 0.01 * rng.normal(size=n),
                       "space_share": rng.uniform(0, 0.1, n)})
    ranked = batch_charts.ranked_inputs(ok)
    assert list(ranked["value"])[0] == "catalog.x" and ranked["measure"].iloc[0] == "PAWN median"
    assert bool(ranked["above_noise"].iloc[0]) and not bool(ranked.set_index("value").loc["catalog.y", "above_noise"])
    chart = batch_charts.parallel(ok, ranked)
    assert [d.label for d in chart.figure.data[0].dimensions][:2] == ["catalog.x", "catalog.y"]
    few = batch_charts.ranked_inputs(ok.head(10))
    assert few["measure"].iloc[0] == "|Spearman rho|" and few["value"].iloc[0] == "catalog.x"
    years = batch_charts.space_by_year(ok.assign(first_space_year=[2030] * 60 + [math.nan] * 60))
    assert years.data.set_index("year").loc[2030, "p_space_in_plan"] == 0.5


def test_a_box_on_the_scatter_selects_the_draws_inside_it():
    ok = pd.DataFrame({"case_id": list("abcd"), "usd_per_pflop_day": [8.0, 9.0, 10.0, 11.0],
                       "space_share": [0.0, 0.02, 0.05, 0.01]})
    box = {"selection": {batch_charts.DRAWS: {"usd_per_pflop_day": [8.5, 10.5], "space_share_pct": [1.5, 6.0]}}}
    assert list(batch_charts.selected(ok, box, (8.0, 11.0))["case_id"]) == ["b", "c"]
    assert list(batch_charts.selected(ok, box, (8.0, 9.5))["case_id"]) == ["b"]  # and the cost range
    nothing = {"selection": {batch_charts.DRAWS: {}}}  # no box: every draw
    assert list(batch_charts.selected(ok, nothing, (8.0, 11.0))["case_id"]) == list("abcd")
    assert list(batch_charts.selected(ok, None, (8.0, 11.0))["case_id"]) == list("abcd")


def test_a_click_on_a_chart_picks_the_key_of_its_sources():
    """Streamlit's event of an Altair point selection: the picked family is the key the provenance panel narrows
    to; nothing picked, nothing narrowed."""
    from planner.app import charts as app_charts
    from planner.app.folders import read_run
    from planner.app.ui import picked_keys

    assert picked_keys({"selection": {app_charts.PICK: [{"family": "swarm"}]}}) == ["swarm"]
    assert picked_keys({"selection": {app_charts.PICK: {}}}) == []
    assert picked_keys(None) == []
    run = read_run(REFERENCE)
    for name in app_charts.PLAN_CHARTS:  # each chart's selection is on the column that keys its sources
        chart = getattr(app_charts, name)(run)
        spec = chart.figure.to_dict()
        params = spec.get("params") or [p for layer in spec.get("layer", []) for p in layer.get("params", [])]
        field = next(p["select"]["fields"][0] for p in params if p["name"] == app_charts.PICK)
        values = {str(v) for frame in spec["datasets"].values() for row in frame for k, v in row.items()
                  if k == field}
        assert set(chart.sources) & values, name


def test_a_report_files_figures_are_drawn_from_its_folder(tmp_path, monkeypatch):
    """A comparison or hedge report's figures sit at paths relative to it, which a browser cannot load: they are
    drawn from the folder (found by the new-user check: two broken images in the compare view). Streamlit is
    recorded, not run: AppTest.from_function leaves its script as the process's main module, which processes
    spawned later in the same test worker (the dask sweep's) then fail to run."""
    from types import SimpleNamespace

    from planner.app import ui

    drawn = []
    monkeypatch.setattr(ui, "st", SimpleNamespace(markdown=lambda x: drawn.append(("markdown", x)),
                                                  image=lambda x, caption=None: drawn.append(("image", x, caption))))
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "cost.png").write_bytes(b"png")
    ui.md("# Compared\n\nCost $5 each.\n\n![Cost per FLOP](figures/cost.png)\n\n![gone](figures/missing.png)\n\n"
          "The end.\n", tmp_path)
    assert drawn == [("markdown", "# Compared\n\nCost \\$5 each.\n\n"),
                     ("image", str(tmp_path / "figures" / "cost.png"), "Cost per FLOP"),
                     ("markdown", "\n\n![gone](figures/missing.png)\n\nThe end.\n")]  # no such file: as written
