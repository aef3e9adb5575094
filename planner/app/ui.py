"""The app's pages (Streamlit): plan, what-if, batch, compare and hedge views of planner folders.

Started by ``planner app`` (``planner/app/__init__.py``), which runs ``planner/app/main.py`` under Streamlit with the
folders to open in ``PLANNER_APP_PATHS``. Folders are read with the planner's own readers (``folders.py``); charts
are built from their tables (``charts.py``, ``batch.py``); the what-if re-solves go through one solver session per
browser session (``whatif.py``). What cannot be read is a one-line message on the page.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from planner.app import charts, knobs
from planner.app.folders import Folder, discover, read_hedge, read_run, read_sweep
from planner.errors import PlannerError
from planner.report.model import UNIT, Run, catalog_rows, money, pct, summary_section
from planner.report.overrides import page_one, run_label

PATHS_ENV = "PLANNER_APP_PATHS"
VIEWS = ("Plan", "What-if", "Batch", "Compare", "Hedge")
POLL_S = 0.25  # how often a waiting page redraws its progress line
WAIT_S = 600.0  # the longest a page waits for a re-solve before it says so


def given_paths() -> list[str]:
    raw = os.environ.get(PATHS_ENV)
    if raw:
        return [p for p in raw.split(os.pathsep) if p]
    return sys.argv[1:] or ["reports"]


IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")  # a Markdown image: ![alt](path)


def md(text: str, base: Path | None = None) -> None:
    """Markdown with dollar signs kept as dollars (Streamlit reads $...$ as mathematics). With ``base`` (the folder
    a report file sits in), its images at relative paths are drawn from that folder: a browser cannot load them."""
    def dollars(part: str) -> None:
        st.markdown(part.replace("$", "\\$"))

    at = 0
    for hit in IMAGE.finditer(text) if base is not None else ():
        path = base / hit.group(2)
        if "://" in hit.group(2) or not path.is_file():
            continue
        dollars(text[at:hit.start()])
        st.image(str(path), caption=hit.group(1) or None)
        at = hit.end()
    dollars(text[at:])


# ------------------------------------------------------------------------------------------- reading, cached


def _stamp(path: Path) -> float:
    """When a folder's index file last changed: a cached read is redone after a re-run."""
    for name in ("summary.json", "manifest.json", "results.parquet", ".planner-output"):
        f = path / name
        if f.exists():
            return f.stat().st_mtime
    return 0.0


@st.cache_resource(show_spinner="reading the run folder", max_entries=16)  # read-only: shared, not copied
def _run(path: str, stamp: float) -> Run:
    return read_run(path)


@st.cache_resource(show_spinner="reading the sweep folder", max_entries=8)
def _sweep(path: str, stamp: float):
    return read_sweep(path)


@st.cache_resource(max_entries=128)
def _cached_chart(path: str, stamp: float, name: str, arg):
    run = _run(path, stamp)
    return getattr(charts, name)(run) if arg is None else getattr(charts, name)(run, arg)


def chart_of(run: Run, name: str, arg=None, cached: bool = True):
    """``charts.<name>(run[, arg])``, built once per run folder and shared by every browser session (charts are
    pure functions of the run's tables); a what-if's run is built each time."""
    if cached:
        return _cached_chart(str(run.dir), _stamp(run.dir), name, arg)
    return getattr(charts, name)(run) if arg is None else getattr(charts, name)(run, arg)


def load_run(folder: Folder) -> Run | None:
    try:
        return _run(str(folder.path), _stamp(folder.path))
    except PlannerError as exc:
        st.error(f"This run folder cannot be shown: {exc}")
        return None


# ------------------------------------------------------------------------------------------- shared pieces


def csv_button(frame: pd.DataFrame, name: str, key: str, label: str = "CSV") -> None:
    """A download of the frame as CSV, written when clicked (not on every run of the page), without re-running
    the page."""
    st.download_button(f"download {label}", lambda: frame.to_csv(index=False).encode(), file_name=f"{name}.csv",
                       mime="text/csv", key=f"csv:{key}", on_click="ignore")


def table(frame: pd.DataFrame, name: str, key: str, height: int | None = None,
          full: pd.DataFrame | None = None) -> None:
    """A table and its CSV download (of ``full`` where the table shows a shortened frame)."""
    st.dataframe(frame, hide_index=True, width="stretch", **({"height": height} if height else {}))
    csv_button(frame if full is None else full, name, key)


def show_chart(chart: charts.Chart | None, key: str, missing: str = "not in this folder") -> list[str]:
    """A chart with its caption and downloads (PNG from the chart's toolbar, CSV of its data below); returns the
    keys (in ``chart.sources``) of what the reader clicked: the picked values of the chart's ``PICK`` selection."""
    if chart is None:
        st.info(missing)
        return []
    if not isinstance(chart.figure, alt.TopLevelMixin):  # Plotly: the parallel coordinates, drawn when opened
        config = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": chart.name, "scale": 2}}
        st.plotly_chart(chart.figure, width="stretch", key=f"chart:{key}", config=config)
        st.caption(chart.caption + " PNG: the camera button on the chart; CSV: the button below.")
        csv_button(chart.data, chart.name, key, "CSV of this chart")
        return []
    event = st.altair_chart(chart.figure, width="stretch", key=f"chart:{key}",
                            **({"on_select": "rerun", "selection_mode": list(chart.selection)}
                               if chart.selection else {}))
    st.caption(chart.caption + " PNG: *Download as PNG* in the chart's toolbar (top right, under the pointer); "
               "CSV: the button below.")
    csv_button(chart.data, chart.name, key, "CSV of this chart")
    return picked_keys(event) if chart.selection else []


def picked_keys(event) -> list[str]:
    """The values picked in an Altair chart's ``PICK`` point selection (Streamlit's event: ``{"selection": {PICK:
    [{field: value}, ...]}}``, an empty dict while nothing is picked)."""
    selection = (event.get("selection") if isinstance(event, dict) else None) or {}
    rows = selection.get(charts.PICK) or []
    return [str(v) for row in (rows if isinstance(rows, list) else [rows]) if isinstance(row, dict)
            for k, v in row.items() if not str(k).startswith("_")]


def provenance(run: Run, chart: charts.Chart | None, picked: list[str], key: str) -> None:
    """The catalog values (from the run's resolved catalog) and their sources behind a chart, narrowed to the
    series clicked, in a panel drawn when it is opened (a click opens it)."""
    if chart is None or not chart.sources:
        return
    rows = catalog_rows(run.scenario)
    if rows is None:
        return
    names = [n for n in picked if n in chart.sources] or list(chart.sources)
    fragments = sorted({f for n in names for f in chart.sources.get(n, [])})
    path = rows["catalog value"]
    shown = rows[path.map(lambda p: any(p == f or p.startswith(f + ".") for f in fragments))]
    sources = (run.scenario.get("resolved_catalog") or {}).get("sources") or {}
    shown = shown.assign(**{"source title": shown["source"].map(
        lambda s: ", ".join(str(x) for x in ((sources.get(s) or {}).get(k) for k in ("title", "publisher", "year"))
                            if x) or s)})
    title = (f"Catalog values behind: {', '.join(names)}" if picked and names != list(chart.sources) else
             "Catalog values behind this figure (click a bar or line to narrow)")

    def draw() -> None:
        if shown.empty:
            st.write("No catalog value: this part comes from the scenario (e.g. a workload's software efficiency).")
        else:
            table(shown, f"{chart.name}_sources", f"prov:{key}", height=min(400, 38 + 35 * len(shown)))

    if picked and st.session_state.get(f"prov:{key}:picked") != picked:  # a new click opens the panel
        st.session_state[f"prov:{key}:open"] = True
    st.session_state[f"prov:{key}:picked"] = picked
    lazily(f"{title} ({len(shown)} values)", f"prov:{key}", draw)  # the tables of closed panels cost the page ~1 s


def lazily(label: str, key: str, draw) -> None:
    """An expander whose content is built and sent only while it is open: a figure that costs the browser seconds
    (a WebGL one: parallel coordinates) does not hold up the page's opening. Its state is kept in
    ``st.session_state[key + ":open"]``."""
    box = st.expander(label, key=f"{key}:open", on_change="rerun")
    with box:
        if box.open:
            draw()


def headline(s: dict, base: dict | None = None) -> None:
    """The plan's cost per FLOP, space share, NPV cost and flights (with changes against ``base``)."""
    def delta(k: str, f, shown: float):
        """The change against the base, or none where it is below ``shown``, the smallest change the text shows
        (a '+0.00' would carry an arrow for no change)."""
        if not base or s.get(k) is None or base.get(k) is None or abs(s[k] - base[k]) < shown:
            return None
        return f(s[k] - base[k])

    c = st.columns(4)
    usd = s.get("usd_per_pflop_day")
    c[0].metric(f"cost per delivered {UNIT}", "undefined" if usd is None else f"${usd:,.2f}",
                delta("usd_per_pflop_day", lambda d: f"{d:+,.3f} $", 5e-4), delta_color="inverse")
    c[1].metric("space share of delivered FLOP", pct(s.get("space_share"), 2),
                delta("space_share", lambda d: f"{100 * d:+.3f} pts", 5e-6))
    c[2].metric("NPV cost", money(s.get("npv_cost_usd")), delta("npv_cost_usd", lambda d: money(d), 5e4),
                delta_color="inverse")
    c[3].metric("launch flights", f"{s.get('launch_flights', 0):,.0f}",
                delta("launch_flights", lambda d: f"{d:+,.0f}", 0.5), delta_color="off")


def plan_charts(run: Run, key: str, with_provenance: bool, cached: bool = True,
                no_units: str = "not in this folder") -> None:
    """The plan's figures: space against ground per year, build-out, launches, unit cost split, waterfall.
    ``no_units``: what the two charts of the units' costs say where the run has no such table."""
    left, right = st.columns(2)
    with left:
        ch = chart_of(run, "cost_per_flop", cached=cached)
        picked = show_chart(ch, f"{key}:cost", no_units)
        if with_provenance:
            provenance(run, ch, picked, f"{key}:cost")
    with right:
        ch = chart_of(run, "buildout", cached=cached)
        picked = show_chart(ch, f"{key}:buildout", "no fleet in this plan")
        if with_provenance:
            provenance(run, ch, picked, f"{key}:buildout")
    left, right = st.columns(2)
    with left:
        ch = chart_of(run, "launches", cached=cached)
        picked = show_chart(ch, f"{key}:launches", "this plan launches nothing")
        if with_provenance:
            provenance(run, ch, picked, f"{key}:launches")
    with right:
        years = charts.unit_cost_years(run)
        year = None
        if years:
            year = st.select_slider("units built in", years, value=_first_year(run, years), key=f"{key}:year")
        ch = chart_of(run, "unit_cost_split", year, cached=cached)
        picked = show_chart(ch, f"{key}:parts", no_units)
        if with_provenance:
            provenance(run, ch, picked, f"{key}:parts")
    scopes = charts.waterfall_scopes(run)
    scope = st.selectbox("waterfall of", scopes, key=f"{key}:scope") if len(scopes) > 1 else "plan"
    ch = chart_of(run, "waterfall", scope, cached=cached)
    picked = show_chart(ch, f"{key}:waterfall")
    if with_provenance:
        provenance(run, ch, picked, f"{key}:waterfall")


def _first_year(run: Run, years: list[int]) -> int:
    """The unit cost split's year when the page opens: the units built two years into the horizon."""
    first = run.scenario["horizon"]["first_year"] + 2
    return min(years, key=lambda y: abs(y - first))


def warm(paths: list[str]) -> None:
    """Read and draw, before anyone asks, what the plan and batch views show first (the first run folder and the
    first sweep folder given): the caches are the server's, so the first visitor finds them ready. Run by
    ``python -m planner.app`` in the background while the server starts; what fails here is shown on the page
    when the view is opened, not here."""
    folders = discover(paths)
    run = next((f for f in folders if f.kind == "run"), None)
    sweep = next((f for f in folders if f.kind == "sweep"), None)
    try:
        if run is not None:
            path, stamp = str(run.path), _stamp(run.path)
            r = _run(path, stamp)
            _page_one(path, stamp)
            years = charts.unit_cost_years(r)
            for name, arg in (("cost_per_flop", None), ("buildout", None), ("launches", None), ("binding", None),
                              ("unit_cost_split", _first_year(r, years) if years else None), ("waterfall", "plan")):
                _cached_chart(path, stamp, name, arg)
        if sweep is not None:
            _batch_page(str(sweep.path), _stamp(sweep.path))
    except Exception:  # noqa: BLE001 - the view says what is wrong when it is opened
        pass


def pick(folders: list[Folder], kind: str, key: str, what: str) -> Folder | None:
    mine = [f for f in folders if f.kind == kind]
    if not mine:
        st.info(f"No {what} among the folders given ({', '.join(given_paths())}).")
        return None
    if len(mine) == 1:
        return mine[0]
    labels = [f.label for f in mine]
    return mine[labels.index(st.selectbox(what, labels, key=key))]


# ------------------------------------------------------------------------------------------- plan view


def picked_run(folders: list[Folder], key: str) -> tuple[Folder, Run] | None:
    """The run folder chosen on a page (the only one, or the one picked) and its contents, or None (said why)."""
    folder = pick(folders, "run", key, "run folder")
    run = load_run(folder) if folder is not None else None
    return (folder, run) if run is not None else None


def plan_view(folders: list[Folder]) -> None:
    got = picked_run(folders, "plan:run")
    if got is None:
        return
    folder, run = got
    s = run.summary
    st.header(f"Plan: {run_label(run.scenario, s.get('scenario', folder.path.name))}")
    st.caption(f"{folder.path} · status {s.get('status')} · planner {s.get('planner_version')}")
    if s.get("status") == "infeasible":
        no_plan(s.get("infeasible_reasons") or [], s.get("infeasible_evidence") or [])
        return
    headline(s)
    texts = _page_one(str(folder.path), _stamp(folder.path))
    with st.container(border=True):  # page 1's verdict, then the rest of page 1 folded
        if texts:
            md(texts[0])
        if len(texts) > 1:
            with st.expander("the rest of page 1 (like for like, launches, what decides, how sure)"):
                for t in texts[1:]:
                    md(t)
    st.subheader("The plan")
    plan_charts(run, "plan", with_provenance=True)
    st.subheader("Binding constraints and their shadow prices")
    lazily("the binding caps, their shadow prices and every binding constraint (drawn when opened)",
           "plan:binding", lambda: binding_section(run))


def binding_section(run: Run) -> None:
    ch, frame = chart_of(run, "binding")
    if ch is None:
        st.info("No binding constraint table in this run (tables/constraints.csv).")
    else:
        show_chart(ch, "plan:binding")
        table(frame, "binding_constraints", "plan:binding_table", height=300)


@st.cache_resource(max_entries=16)
def _page_one(path: str, stamp: float) -> list[str]:
    """Page 1 of the run's report as markdown paragraphs (the verdict first)."""
    run = _run(path, stamp)
    sec = summary_section(run)
    departs = page_one(run.scenario)
    if departs:
        sec.blocks.insert(min(1, len(sec.blocks)), departs)
    return ["\n".join(f"- {b}" for b in block) if isinstance(block, list) else block
            for block in sec.blocks if isinstance(block, (str, list))]


def no_plan(reasons: list[str], evidence: list[str]) -> None:
    st.error("No plan meets this scenario's demand: it is infeasible.")
    md("**Why** (root causes first):\n" + "\n".join(f"- {r}" for r in reasons))
    if evidence:
        md("**Evidence** (HiGHS's irreducible infeasible subsystem of the LP relaxation):\n"
           + "\n".join(f"- {e}" for e in evidence))


# ------------------------------------------------------------------------------------------- what-if


def _whatif(folder: Folder):
    """This browser session's solver session (one per browser session: a new run replaces it)."""
    from planner.app.whatif import WhatIf  # the solver (Pyomo, HiGHS): imported when a what-if is asked for

    w = st.session_state.get("whatif")
    if w is not None and w.evicted:  # dropped to free memory for another tab: say so, and rebuild it
        st.warning(w.evicted)
        st.session_state.pop("whatif:asked", None)
        w = None
    if w is None or w.scenario_file != folder.path / "scenario.resolved.yaml":
        if w is not None:
            w.close()
        w = st.session_state["whatif"] = WhatIf(folder.path / "scenario.resolved.yaml")
    w.touch()
    return w


def _knobs(run: Run, rs) -> list[knobs.Knob]:
    return knobs.available(rs, list(knobs.NAMED) + knobs.decisive_knobs(run.a("decisive_assumptions"))
                           + list(knobs.GROUP_KNOBS))


@st.cache_resource(show_spinner="reading the scenario", max_entries=8)
def _scenario(path: str, stamp: float):
    from planner.scenario.load import load_scenario
    return load_scenario(path)


def whatif_view(folders: list[Folder]) -> None:
    got = picked_run(folders, "whatif:run")
    if got is None:
        return
    folder, run = got
    st.header(f"What-if: {run_label(run.scenario, run.summary.get('scenario', folder.path.name))}")
    try:
        rs = _scenario(str(folder.path / "scenario.resolved.yaml"), _stamp(folder.path))
    except PlannerError as exc:
        st.error(f"The run's scenario cannot be re-solved: {exc}")
        return
    w = _whatif(folder)
    st.caption("Each slider moves catalog values within their ranges (0: the run's value; -1 / +1: the catalog's "
               "low / high end, or for a group the end favouring the ground / space). A change re-solves the run's "
               "model in place (no rebuild); a change made while one solves is queued.")
    ks = _knobs(run, rs)
    positions = {}
    cols = st.columns(3)
    for i, k in enumerate(ks):
        with cols[i % 3]:
            positions[k] = st.slider(k.label, -1.0, 1.0, 0.0, 0.25, key=f"knob:{k.key}", help=k.help)
    if st.button("reset all sliders", key="whatif:reset"):
        for k in ks:
            st.session_state.pop(f"knob:{k.key}", None)
        st.rerun()
    ov = knobs.overrides(rs, positions)
    wanted = json.dumps(ov, sort_keys=True, default=str)
    asked = st.session_state.setdefault("whatif:asked", {})
    if asked.get("file") != str(w.scenario_file):  # requests of another solver session
        asked.clear()
        asked["file"] = str(w.scenario_file)
    if not w.alive(asked.get(wanted)):
        asked[wanted] = w.submit(ov)
    request = asked[wanted]

    def draw(out, key: str) -> None:
        """A plan of this what-if (the preview's or the re-solve's): headline against the run's plan, charts."""
        base = w.base
        headline(out.summary, base.summary if base is not None and base.has_plan and ov else None)
        what = Run(dir=folder.path, summary=out.summary, explanations={}, scenario=run.scenario,
                   tables=out.tables, analysis={})
        plan_charts(what, key, with_provenance=False, cached=False,
                    no_units="each unit's cost under the new values: with the full re-solve")

    out = _wait(w, request, lambda pv: draw(pv, "whatif:preview"))
    if out is None:
        return
    if ov:
        with st.expander(f"the same problem on the command line ({len(ov)} overrides)"):
            st.code(f"planner run {folder.path / 'scenario.resolved.yaml'} "
                    + " ".join(f"--set '{x}'" for x in knobs.as_set_options(ov)), language="bash")
    pv = w.preview_of(out.request)
    if pv is not None:
        st.session_state["whatif:preview"] = {"request": out.request, "status": pv.status, "reason": pv.error,
                                              "seconds": pv.seconds,
                                              "usd_per_pflop_day": pv.summary.get("usd_per_pflop_day")}
    shown = (f"; preview {pv.seconds:.2f} s" if pv is not None and pv.has_plan else
             f"; no preview ({pv.error})" if pv is not None and pv.error else "")
    st.caption(f"request {out.request}: {out.status}; model {out.how}; update and re-solve "
               f"{out.solve_seconds:.2f} s, with the plan's tables {out.seconds:.2f} s{shown}")
    st.session_state["whatif:last"] = {"request": out.request, "status": out.status,
                                       "usd_per_pflop_day": out.summary.get("usd_per_pflop_day"),
                                       "space_share": out.summary.get("space_share"),
                                       "npv_cost_usd": out.summary.get("npv_cost_usd")}
    if out.status in ("error", "bad input"):
        st.error(f"This what-if could not be solved: {out.error}")
        return
    if not out.has_plan:
        no_plan(out.reasons, out.evidence)
        return
    draw(out, "whatif")


PREVIEW = "Preview: today's builds re-costed under the new assumption; re-optimising\u2026"


def _wait(w, request: int, draw_preview):
    """Wait for a request while showing what the solver does and, as soon as it is ready, the request's preview
    (``draw_preview(outcome)``: the plan shown last, held, re-costed under the new values), replaced by the
    re-solved plan when that comes. A slider moved meanwhile starts a new run of this page (Streamlit stops this
    one at its next redraw) and its request queues behind the running one."""
    out = w.outcome(request)
    if out is not None:
        return out
    line = st.empty()
    bar = st.progress(0.0)
    box = st.empty()
    drawn = False
    t0 = time.monotonic()
    while time.monotonic() - t0 < WAIT_S:
        out = w.wait(request, POLL_S)
        if out is not None:
            line.empty()
            bar.empty()
            box.empty()
            return out
        pv = w.preview_of(request)
        if pv is not None and not drawn:
            drawn = True
            if pv.has_plan:
                with box.container(border=True):
                    st.warning(f"**{PREVIEW}** (ready in {pv.seconds:.1f} s; the full "
                               "re-solve replaces it when it finishes)")
                    draw_preview(pv)
        state = w.state()
        queued = " (a newer change waits behind it)" if state["pending"] not in (None, request) else ""
        doing = "solving an earlier change" if state["running"] not in (None, request) else state["stage"]
        note = (f"no preview ({pv.error}); " if pv is not None and not pv.has_plan else
                "preview below; " if pv is not None else "")
        line.info(f"{note}re-solving: {doing} · {state['seconds']:.1f} s{queued}")
        bar.progress(min(0.95, (time.monotonic() - t0) / 30.0))
    st.warning(f"The re-solve has run for more than {WAIT_S:.0f} s; it goes on: reload the page to see it.")
    return None


# ------------------------------------------------------------------------------------------- batch


OVERRIDES_SHOWN = 6  # values of a draw's overrides in the table of selected plans (all of them in its CSV)


@st.cache_resource(max_entries=8)
def _batch_page(path: str, stamp: float) -> dict:
    """The batch view's charts and tables, built once per sweep folder and shared by every browser session (the
    sensitivity ranking alone is PAWN over every swept value: seconds for 500 draws)."""
    from planner.app import batch as b

    sw = _sweep(path, stamp)
    ok = sw.solved()
    ranked = b.ranked_inputs(ok)
    order = list(ranked["value"]) if len(ranked) else []
    return {"ok": ok, "ranked": ranked, "beats": b.beats_ground(ok),
            "cost": b.distribution(ok, "usd_per_pflop_day", f"cost per delivered {UNIT}, USD"),
            "share": b.distribution(ok, "space_share", "space share of delivered FLOP"),
            "years": b.space_by_year(ok), "surface": b.break_even(ok, sw.generator),
            "parallel": b.parallel(ok, ranked), "scatter": b.scatter(ok),
            "plans": b.plans(ok, order, OVERRIDES_SHOWN), "plans_full": b.plans(ok)}


def batch_view(folders: list[Folder]) -> None:
    from planner.app import batch as batch_charts

    folder = pick(folders, "sweep", "batch:sweep", "sweep folder")
    if folder is None:
        return
    try:
        sw = _sweep(str(folder.path), _stamp(folder.path))
    except PlannerError as exc:
        st.error(f"This sweep folder cannot be shown: {exc}")
        return
    spec = sw.manifest.get("spec") or {}
    st.header(f"Batch: {spec.get('name', folder.path.name)}")
    page = _batch_page(str(folder.path), _stamp(folder.path))
    ok = page["ok"]
    st.caption(f"{folder.path} · {sw.generator or spec.get('kind', '')} · {len(sw.results)} cases, {len(ok)} solved")
    if ok.empty:
        st.info("No case of this sweep has a plan yet.")
        return
    left, right = st.columns(2)
    with left:
        show_chart(page["cost"], "batch:cost")
    with right:
        show_chart(page["share"], "batch:share")
    left, right = st.columns(2)
    with left:
        show_chart(page["years"], "batch:years", "no first_space_year in these results")
        if page["beats"]:
            md(page["beats"])
    with right:
        show_chart(page["surface"], "batch:surface", "The break-even surface needs a grid of two swept values.")
    st.subheader("Inputs against outputs, most decisive first")
    ranked = page["ranked"]
    if len(ranked):
        table(ranked, "sensitivity", "batch:ranked", height=220)
    lazily("parallel coordinates of every draw, most decisive input first (drawn when opened)", "batch:parallel",
           lambda: show_chart(page["parallel"], "batch:parallel", "no swept values in these results"))
    st.subheader("Plans of a group of draws")
    st.caption("Select draws by dragging a box on the scatter (a double click clears it; or narrow by cost per FLOP "
               "below); their "
               f"plans are listed underneath (the table shows each draw's {OVERRIDES_SHOWN} most decisive values, "
               "its CSV all of them).")
    show_chart(page["scatter"], "batch:scatter")
    lo, hi = float(ok["usd_per_pflop_day"].min()), float(ok["usd_per_pflop_day"].max())
    rng = st.slider(f"cost per {UNIT}", lo, max(hi, lo + 1e-9), (lo, hi), key="batch:range") if hi > lo else (lo, hi)
    chosen = batch_charts.selected(ok, st.session_state.get("chart:batch:scatter"), rng)
    md(f"**{len(chosen)} draws selected** (of {len(ok)} solved).")
    table(page["plans"].loc[chosen.index].reset_index(drop=True), "selected_plans", "batch:plans", height=320,
          full=page["plans_full"].loc[chosen.index].reset_index(drop=True))


# ------------------------------------------------------------------------------------------- compare and hedge


def compare_view(folders: list[Folder]) -> None:
    from planner.report.compare import comparison_tables

    runs = [f for f in folders if f.kind == "run"]
    st.header("Compare runs")
    if len(runs) < 1:
        st.info("No run folder among the folders given.")
    else:
        labels = [f.label for f in runs]
        chosen = st.multiselect("runs side by side", labels, default=labels[:6], key="compare:runs")
        loaded = [r for r in (load_run(runs[labels.index(x)]) for x in chosen) if r is not None]
        if loaded:
            for title, frame in comparison_tables(loaded).items():
                st.markdown(f"**{title}**")
                table(frame, title.lower().replace(" ", "_"), f"compare:{title}")
            left, right = st.columns(2)
            with left:
                show_chart(charts.compare_cost(loaded), "compare:cost")
            with right:
                show_chart(charts.compare_mix(loaded), "compare:mix")
    for f in (f for f in folders if f.kind == "compare"):
        with st.expander(f"comparison report {f.path}"):
            try:
                md((f.path / "report.md").read_text(encoding="utf-8"), f.path)
            except (OSError, UnicodeDecodeError) as exc:
                st.error(f"{f.path / 'report.md'}: unreadable ({exc})")


HEDGE_FIGURES = (  # summary.json field, short label (five to a row), format, what it means
    ("expected_usd_per_pflop_day", "expected $/PFLOP/s-day", lambda x: f"${x:,.2f}",
     f"The hedge's expected cost per delivered {UNIT} over the scenarios, by their probabilities."),
    ("expected_cost_usd", "expected cost", money,
     "Present-value cost of the hedge, expected over the scenarios: the first-stage commitment and each scenario's "
     "recourse, unmet demand at its penalty included."),
    ("vss_usd", "VSS", money, "Value of the stochastic solution: what the hedge saves in expectation against "
     "committing to the deterministic plan of the expected-value scenario."),
    ("evpi_usd", "EVPI", money, "Expected value of perfect information: what knowing the scenario in advance would "
     "save in expectation against the hedge."),
    ("cvar_usd", "CVaR of cost", money, "Conditional value at risk: the expected cost over the worst scenarios "
     "(the tail at the hedge's risk level), unmet demand at its penalty included, so a scenario the commitment "
     "cannot serve weighs in at that penalty (scenarios.csv)."),
)


def hedge_view(folders: list[Folder]) -> None:
    """A hedge folder (planner hedge) as it is: its headline figures where summary.json has them, every field,
    table, figure and text it holds (the tables of each scenario's recourse folded by folder)."""
    folder = pick(folders, "hedge", "hedge:folder", "hedge folder")
    if folder is None:
        return
    h = read_hedge(folder.path)
    st.header(f"Hedge: {(h.summary or {}).get('name') or folder.path.name}")
    st.caption(f"{folder.path} · status {(h.summary or {}).get('status', 'unknown')}")
    if h.problem:
        st.warning(h.problem)
    if h.summary is not None:
        shown = [(label, f(h.summary[k]), meaning) for k, label, f, meaning in HEDGE_FIGURES
                 if isinstance(h.summary.get(k), (int, float))]
        for col, (label, value, meaning) in zip(st.columns(max(1, len(shown))), shown):
            col.metric(label, value, help=meaning)
        flat = {k: v for k, v in h.summary.items() if isinstance(v, (int, float, str, bool)) or v is None}
        if flat:
            with st.expander(f"summary.json: {len(flat)} fields"):
                table(pd.DataFrame({"field": list(flat), "value": [str(v) for v in flat.values()]}), "hedge_summary",
                      "hedge:summary")
                st.json(h.summary, expanded=False)
    groups: dict[str, list[str]] = {}
    for name in h.tables:
        groups.setdefault(str(Path(name).parent), []).append(name)
    for group, names in sorted(groups.items(), key=lambda kv: kv[0] != "."):
        many = "s" if len(names) > 1 else ""
        box = st.container() if group == "." else st.expander(f"{group}/ ({len(names)} table{many})")
        with box:
            for name in names:
                st.markdown(f"**{name}**")
                try:
                    table(pd.read_csv(h.tables[name]), Path(name).stem, f"hedge:{name}", height=240)
                except Exception as exc:  # noqa: BLE001 - any damaged CSV: say so, show the rest
                    st.error(f"{h.tables[name]}: unreadable ({type(exc).__name__})")
    for img in h.images:
        st.image(str(img), caption=str(img.relative_to(folder.path)))
    for text in h.texts:
        with st.expander(str(text.relative_to(folder.path))):
            md(text.read_text(encoding="utf-8", errors="replace"), text.parent)


# ------------------------------------------------------------------------------------------- the app


PAGES = {"Plan": plan_view, "What-if": whatif_view, "Batch": batch_view, "Compare": compare_view,
         "Hedge": hedge_view}


def main() -> None:
    st.set_page_config(page_title="planner", layout="wide")
    folders = discover(given_paths())
    views = [v for v in VIEWS if v != "Hedge" or any(f.kind == "hedge" for f in folders)]
    asked = st.query_params.get("view", "Plan")
    default = next((v for v in views if v.lower().replace("-", "") == str(asked).lower().replace("-", "")), "Plan")
    with st.sidebar:
        st.title("planner")
        view = st.radio("view", views, index=views.index(default), key="view")
        st.caption("Folders: " + ", ".join(given_paths()))
        for f in folders:
            if f.kind == "problem":
                st.error(f.problem)
    st.query_params["view"] = view.lower().replace("-", "")
    problems = [f for f in folders if f.kind == "problem"]
    if problems and not any(f.kind != "problem" for f in folders):
        for f in problems:
            st.error(f.problem)
        return
    PAGES[view](folders)
