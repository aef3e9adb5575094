"""The report model: what a board reads, built from a run folder only (no solving), rendered to Markdown and PDF.

A report is a list of sections; a section is a list of blocks: paragraphs, bullet lists, tables and figures.
Numbers come from summary.json and the run's tables, rounded for reading.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from planner.economics import discount_factor
from planner.errors import InputError
from planner.report import figures as fig
from planner.report.overrides import overrides_text, page_one, run_label
from planner.report.text import safe_text
from planner.results.schema import CAPITAL_CATEGORIES, category_words


@dataclass
class Table:
    title: str
    frame: pd.DataFrame  # cells already formatted as text
    note: str = ""
    small: bool = False


@dataclass
class Figure:
    path: Path
    title: str
    caption: str


@dataclass
class Section:
    title: str
    blocks: list[Any] = field(default_factory=list)  # str (paragraph) | list[str] (bullets) | Table | Figure

    def p(self, text: str) -> "Section":
        self.blocks.append(text)
        return self

    def bullets(self, items: list[str]) -> "Section":
        if items:
            self.blocks.append(list(items))
        return self

    def table(self, title: str, frame: pd.DataFrame, note: str = "", small: bool = False) -> "Section":
        if frame is not None and len(frame):
            self.blocks.append(Table(title, frame, note, small))
        return self

    def figure(self, path: Path | None, title: str, caption: str) -> "Section":
        if path is not None:
            self.blocks.append(Figure(path, title, caption))
        return self


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]
    run_dir: Path

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]


# ------------------------------------------------------------------------------------------- formatting


UNIT = "PFLOP/s-day"  # one PFLOP per second sustained for a day = 8.64e19 FLOP; the code's usd_per_pflop_day
UNIT_DEFINITION = ("Costs are in US dollars per PFLOP/s-day, the work of one petaFLOP per second sustained for a "
                   "day (8.64\u00d710\u00b9\u2079 FLOP)")


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def money(usd: float | None) -> str:
    if _missing(usd):
        return "n/a"
    if usd < 0:
        return "-" + money(-usd)
    a = abs(usd)
    if a >= 1e9:
        return f"${usd / 1e9:,.1f} B"
    if a >= 1e6:
        return f"${usd / 1e6:,.1f} M"
    if a >= 1e3:
        return f"${usd / 1e3:,.0f} k"
    return f"${usd:,.2f}"


def usd(x: float | None) -> str:
    """Dollars and cents for a table cell whose column names the unit."""
    return "n/a" if _missing(x) else f"${x:,.2f}"


def per_pflop_day(x: float | None) -> str:
    return "n/a" if _missing(x) else f"${x:,.2f} per {UNIT}"


def per_eflop(x: float | None) -> str:
    return "n/a" if _missing(x) else f"${x:,.4f} per EFLOP"


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if _missing(x) else f"{100 * x:.{digits}f}%"


def num(x: float | None, digits: int = 0) -> str:
    if _missing(x):
        return "n/a"
    return f"{x:,.{digits}f}"


_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def sci(x: float | None, digits: int = 3) -> str:
    """A very large or small number as 2.08\u00d710\u00b3\u00b9 (never split like '2.08e+|31' in a table)."""
    if _missing(x):
        return "n/a"
    if x == 0:
        return "0"
    exp = int(math.floor(math.log10(abs(x))))
    mant = x / 10 ** exp
    if round(abs(mant), digits - 1) >= 10:
        exp, mant = exp + 1, mant / 10
    return f"{mant:.{digits - 1}f}\u00d710{str(exp).translate(_SUPERSCRIPT)}"


def qty(x) -> str:
    """A catalog or scenario number for reading: 15,000,000 not 15000000.0 or 1.5e+07; 0.045; 2.2\u00d710\u207b\u2079."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, float) and math.isnan(x):
        return ""
    a = abs(x)
    if a == 0:
        return "0"
    if a >= 1e12 or a < 1e-4:
        return sci(x)
    if a >= 1000:
        return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 or a >= 1e5 else f"{x:,.1f}"
    return f"{x:.4g}"


def value_text(v, unit: str = "") -> str:
    """A catalog value for a table cell: a number, or a year table as its first and last points. A value whose
    unit is 'year' stays a plain year (2031, not 2,031)."""
    if isinstance(v, str) and v.startswith("{"):
        try:
            v = yaml.safe_load(v)
        except yaml.YAMLError:
            return v
    elif isinstance(v, str):  # a number read back from a CSV column that also holds year tables
        try:
            v = float(v)
        except ValueError:
            return v
    if isinstance(v, dict) and v:
        ys = sorted(v, key=int)
        return f"{value_text(v[ys[0]], unit)} ({ys[0]}) to {value_text(v[ys[-1]], unit)} ({ys[-1]})"
    if isinstance(v, float) and math.isnan(v):
        return ""
    if unit == "year" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(int(v)) if float(v).is_integer() else f"{v:g}"
    return qty(v) if isinstance(v, (int, float)) else str(v)


def signed_pct(x: float | None) -> str:
    """+1.2% / -3.4%; a change that rounds to zero is '0.0%' (never '-0.0%' beside '+0.0%')."""
    if _missing(x):
        return "n/a"
    return "0.0%" if abs(x) < 0.0005 else f"{100 * x:+.1f}%"


def readable(v) -> str:
    """A scenario setting for reading: dicts as 'key: value; ...', lists joined, None as 'none'; no Python reprs."""
    if v is None:
        return "none"
    if isinstance(v, dict):
        if not v:
            return "none"
        if all(str(k).isdigit() and len(str(k)) == 4 for k in v):  # a year table
            return ", ".join(f"{k}: {readable(x)}" for k, x in sorted(v.items(), key=lambda kv: int(kv[0])))
        return "; ".join(f"{str(k).replace('_', ' ')}: {readable(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(readable(x) for x in v) if v else "none"
    return qty(v)


_UNIT_WORDS = {"usd", "musd", "kwh", "kw", "w", "mw", "gw", "kg", "t", "yr", "m2", "m3", "mm", "km", "k", "ms",
               "l", "pct", "gbps", "tflops", "rad", "s", "kacc"}


# Catalog fields whose name alone would mislead a reader (the ground's utilisation is a power draw, not the
# waterfall's capacity in use).
_FIELD_WORDS = {"utilisation": "average power draw"}

GROUND_DRAW_WORDS = ("a campus's average power draw as a share of nameplate: it sets the energy bill, grid CO2 and "
                     "site water only, and is not the capacity in use of section 7")


def field_words(field: str) -> str:
    """A catalog field name without its unit: price_usd -> price, price_musd_per_flight -> price per flight."""
    if field in _FIELD_WORDS:
        return _FIELD_WORDS[field]
    words = field.split("_")
    out, i = [], 0
    while i < len(words):
        w = words[i]
        if w == "per" and i + 1 < len(words):
            if words[i + 1] in _UNIT_WORDS:
                i += 2
                continue
            out.append(w)
        elif w not in _UNIT_WORDS:
            out.append(w)
        i += 1
    text = " ".join(out) or field.replace("_", " ")
    money_unit = any(w in ("usd", "musd") for w in words)
    if money_unit and not any(w in ("price", "cost", "capex", "opex", "lease", "fee", "penalty") for w in out):
        text += " price"
    return text


def catalog_label(scenario: dict | None, table: str, name: str) -> str | None:
    """The label of a catalog entry (``resolved_catalog[table][name]``), None where it has none."""
    entry = (((scenario or {}).get("resolved_catalog") or {}).get(table) or {}).get(name)
    return safe_text(entry["label"]) if isinstance(entry, dict) and entry.get("label") else None


def path_label(path: str, scenario: dict | None) -> str:
    """A catalog path for a board reader: 'price of Generation 2034 (projected)' for accelerators.gen_2034.price_usd,
    from the catalog entry's label where it has one; the path itself when it has no entry."""
    parts = str(path).split(".")
    if len(parts) < 3:
        return str(path)
    table, name, field = parts[0], parts[1], ".".join(parts[2:])
    if str(path) in _PATH_WORDS:
        return _PATH_WORDS[str(path)]
    if "*" in name:
        return str(path)
    label = catalog_label(scenario, table, name)
    if label and table in _DESCRIBED:  # a place or a kind of unit, not a product name: 'the hyperscale campus, ...'
        return f"{field_words(field)} of the {in_prose(label)}"
    return f"{field_words(field)} of {label or name.replace('_', ' ')}"


# Drivers of the cost attribution that are not one catalog value: what they stand for, in words.
_PATH_WORDS = {"ground_regions.*.existing": "operations and leases of the campuses already operating at the start "
                                            "(every region)",
               "scenario.carbon.price_usd_per_t": "the scenario's carbon price"}

def prose_path_label(path: str, scenario: dict | None) -> str:
    """path_label as running text says it: an accelerator's value names it as one, 'price of a Generation 2034
    accelerator (projected)' rather than 'price of Generation 2034 (projected)', which reads like a year's price."""
    label = path_label(path, scenario)
    parts = str(path).split(".")
    if len(parts) < 3 or parts[0] != "accelerators":
        return label
    name = catalog_label(scenario, "accelerators", parts[1])
    head_words = f"{field_words('.'.join(parts[2:]))} of "
    if not name or not label.startswith(head_words):
        return label
    m = re.fullmatch(r"(.*?)(\s*\([^()]*\))?", str(name))
    head, bracket = m.group(1), m.group(2) or ""
    article = "an" if head[:1] in "AEIOU" or head.startswith("NVIDIA") else "a"
    return f"{head_words}{article} {head} accelerator{bracket}"


_DESCRIBED = {"ground_regions", "platforms", "sites"}  # catalog tables whose labels describe rather than name


# ------------------------------------------------------------------------------------------- labels


def with_note(label: str, note: str) -> str:
    """'Generation 2034 (projected; our assumption)', not '... (projected) (our assumption)'."""
    return f"{label[:-1]}; {note})" if label.endswith(")") else f"{label} ({note})"


def arch_label(arch: str, scenario: dict | None) -> str:
    """'Compute module docked at a Lagrange-point station core, Earth-Moon L1 halo' for station_module@eml1."""
    platform, _, site = str(arch).partition("@")
    if platform == "ground_campus":
        return catalog_label(scenario, "ground_regions", site) or arch
    p, s = catalog_label(scenario, "platforms", platform), catalog_label(scenario, "sites", site)
    return f"{p}, {s}" if p and s else arch


# First words of catalog labels that are names and keep their capital in running text.
_NAMES = {"Starship", "Starlink", "Falcon", "Earth", "Moon", "NVIDIA"}


def in_prose(label: str) -> str:
    """A catalog label as it reads mid-sentence: 'compute module docked at ...' for 'Compute module docked at ...';
    names ('Starship-launched ...', 'Earth-Moon L1 halo', 'LEO 550 km') and model names ('Generation 2034') keep
    their capital. Tables show the label as the catalog writes it."""
    words = str(label).split(" ")
    head = words[0].split("-")[0]
    if (not head[:1].isupper() or head in _NAMES or not head[1:].islower()
            or (len(words) > 1 and words[1][:1].isdigit())):
        return str(label)
    return head[0].lower() + str(label)[1:]


def arch_in_prose(arch: str, scenario: dict | None) -> str:
    """An architecture as a sentence names it: 'the compute module docked at a Lagrange-point station core, Earth-Moon
    L1 halo'; its id when the catalog has no label for it."""
    label = arch_label(arch, scenario)
    return label if label == arch else f"the {in_prose(label)}"


def workload_label(w: str, scenario: dict | None) -> str:
    label = ((scenario or {}).get("workloads") or {}).get(w, {}).get("label")
    return safe_text(label) if label else w


# ------------------------------------------------------------------------------------------- the run


@dataclass
class Run:
    dir: Path
    summary: dict
    explanations: dict
    scenario: dict
    tables: dict[str, pd.DataFrame]
    analysis: dict[str, pd.DataFrame]

    @classmethod
    def read(cls, run_dir: str | Path) -> "Run":
        """A run folder written by ``planner run``; a missing or unreadable file is bad input naming the file."""
        d = Path(run_dir)
        if not d.is_dir():
            raise InputError(f"{d}: (top level): no such run folder")

        def load(path: Path, parse, optional: bool = False):
            if optional and not path.exists():
                return {}
            try:
                return parse(path)
            except FileNotFoundError:
                raise InputError(f"{d}: {path.relative_to(d)}: not a run folder written by planner run "
                                 f"(no {path.name})") from None
            except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
                raise InputError(f"{d}: {path.relative_to(d)}: unreadable "
                                 f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None

        summary = load(d / "summary.json", lambda p: json.loads(p.read_text()))
        return cls(dir=d, summary=summary,
                   explanations=load(d / "explanations.json", lambda p: json.loads(p.read_text()), optional=True),
                   scenario=load(d / "scenario.resolved.yaml", lambda p: yaml.safe_load(p.read_text())),
                   tables={p.stem: load(p, pd.read_csv) for p in sorted((d / "tables").glob("*.csv"))},
                   analysis={p.stem: load(p, pd.read_csv) for p in sorted((d / "analysis").glob("*.csv"))})

    def t(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())

    def a(self, name: str) -> pd.DataFrame:
        return self.analysis.get(name, pd.DataFrame())

    @property
    def families(self) -> dict[str, str]:
        out = {}
        for name in ("vintage_costs", "fleet"):  # every unit that could be built, then those that are
            f = self.t(name)
            if len(f):
                out.update(zip(f["architecture"], f["family"]))
        arch = self.t("architectures")
        if len(arch):
            out.update(zip(arch["architecture"], arch["family"]))
        return out


def main_workload(run: Run) -> str:
    """The Earth workload with the most demand: the one the 'is space cheaper' chart counts FLOP for."""
    w = run.scenario.get("workloads", {})
    alloc = run.t("allocation")
    if len(alloc):
        by = alloc.groupby("workload")["flop"].sum()
        earth = [x for x in by.index if w.get(x, {}).get("users", "earth") == "earth"]
        if earth:
            return str(by[earth].idxmax())
    return next(iter(w), "")


# ------------------------------------------------------------------------------------------- sections


def build(run_dir: str | Path) -> Report:
    run = Run.read(run_dir)
    s = run.summary
    figdir = run.dir / "figures"
    name = s.get("scenario", run.dir.name)
    subtitle = (f"{safe_text(run.scenario.get('description', ''))}  Horizon {run.scenario['horizon']['first_year']}-"
                f"{run.scenario['horizon']['last_year']}; status {s.get('status')}; planner {s.get('planner_version')}")
    if s.get("status") == "infeasible":
        sections = [infeasible_section(run), assumptions_section(run), method_section(run)]
    else:
        sections = [summary_section(run), *[x for x in (foresight_section(run),) if x is not None],
                    cheaper_section(run, figdir), buildout_section(run, figdir),
                    launch_section(run, figdir), money_section(run, figdir), designs_section(run, figdir),
                    waterfall_section(run, figdir), workloads_section(run, figdir), carbon_section(run, figdir),
                    binds_section(run, figdir), break_even_section(run, figdir)]
        sections += [x for x in (_space_sensitivity_section(run),) if x is not None]
        sections += [assumptions_section(run), not_modelled_section(run), method_section(run)]
        from planner.report.alternatives import near_optimal_section

        near = near_optimal_section(run, figdir)  # written by planner alternatives / pareto, if run
        if near is not None:
            sections.append(near)
    caps = unused_caps_appendix(run) if s.get("status") != "infeasible" else None
    if caps is not None:
        sections.append(caps)
    appendix = appendix_section(run)
    if appendix is not None:
        sections.append(appendix)
    departs = page_one(run.scenario)
    if departs:  # page 1 (after its first answer) and the appendix name what the run changed from its scenario file
        sections[0].blocks.insert(min(1, len(sections[0].blocks)), departs)
        if appendix is not None:
            appendix.blocks.insert(0, departs)
    listed = overrides_text(run.scenario)
    subtitle += f"; overrides: {listed}" if listed else ""
    return Report(title=f"Orbital compute plan: {run_label(run.scenario, name)}", subtitle=subtitle,
                  sections=sections, run_dir=run.dir)


def foresight_section(run: Run) -> Section | None:
    """A myopic run (planner run --foresight myopic): its pathway against perfect foresight, and its windows."""
    f = run.summary.get("foresight")
    if not f:
        return None
    sec = Section("Foresight: the myopic pathway against perfect foresight")
    sec.p(run.explanations.get("perfect_foresight", ""))
    rows = [("perfect foresight", f["perfect_foresight"]), ("myopic pathway", f["myopic"])]
    sec.table("The two plans over the whole horizon (present values)", pd.DataFrame({
        "plan": [name for name, _ in rows],
        "cost and unmet penalty": [money(r["cost_and_penalty_usd"]) for _, r in rows],
        "cost": [money(r["npv_cost_usd"]) for _, r in rows],
        "unmet penalty": [money(r["npv_penalty_usd"]) for _, r in rows],
        "$ per delivered PFLOP/s-day": [usd(r["usd_per_pflop_day"]) for _, r in rows]}),
        note=f"Cost of myopia: {money(f['cost_of_myopia_usd'])} ({signed_pct(f.get('cost_of_myopia_share'))}); "
             f"the perfect-foresight plan is proved within {money(f['perfect_foresight'].get('gap_usd'))}.")
    sec.table("Windows: what the myopic planner saw and committed", pd.DataFrame({
        "window": [f"{w['first_year']}-{w['last_year']}" for w in f["windows"]],
        "committed": [f"{w['first_year']}-{w['committed_to']}" for w in f["windows"]],
        "status": [w["status"] for w in f["windows"]],
        "solve s": [num(w["seconds"], 1) for w in f["windows"]]}), small=True)
    return sec


def _space_sensitivity_section(run: Run) -> Section | None:
    from planner.report import sensitivity  # it builds on this module's helpers

    return sensitivity.section(run)


def _space_sensitivity_bullets(run: Run) -> list[str]:
    from planner.report import sensitivity

    return sensitivity.summary_bullets(run)


def plan_vs_ground_only(s: dict) -> float | None:
    """summary.json's plan / ground-only cost ratio (run folders written before the rename call it
    space_vs_ground_cost_ratio)."""
    return s.get("plan_vs_ground_only_cost_ratio", s.get("space_vs_ground_cost_ratio"))


def cheaper_verdict(vc: pd.DataFrame, workload: str, first_year: int, scenario: dict | None = None) -> str:
    """The answer to 'is compute in space cheaper than on the ground within 2-3 years?', plain words first."""
    if vc.empty:
        return ""
    q = (f"Is compute in space cheaper than on the ground within 2-3 years (units built by {first_year + 2})?")
    v = vc[(vc["workload"] == workload) & (vc["family"] != "ground") & vc["space_to_ground"].notna()]
    if v.empty:
        return f"**{q} No.** No space unit can serve {workload} in this scenario."
    best = v.loc[v.groupby("vintage")["space_to_ground"].idxmin()].set_index("vintage").sort_index()
    soon = best[best.index <= first_year + 2]
    cheaper = best[best["space_to_ground"] <= 1.0]
    firsts = v.groupby("family")["vintage"].min()
    late = [f"{fam}s cannot be built before {int(y)}" for fam, y in firsts.items() if y > first_year + 2]
    late_text = ("; " + " and ".join(late)) if late else ""
    per = f"per {workload} FLOP"

    def unit(r) -> str:
        return f"a {r['family']}: {arch_in_prose(r['architecture'], scenario)}"

    if len(soon) and (soon["space_to_ground"] <= 1.0).any():
        y = int(soon[soon["space_to_ground"] <= 1.0].index[0])
        r = soon.loc[y]
        return (f"**{q} Yes.** A space unit built in {y} costs {r['space_to_ground']:.2f}x as much as a ground campus "
                f"built the same year {per} (below 1: cheaper) ({unit(r)}).")
    if len(soon):
        y0 = int(soon["space_to_ground"].idxmin())
        r = soon.loc[y0]
        head = (f"**{q} No.** The cheapest space unit that can be built by {first_year + 2} costs "
                f"{r['space_to_ground']:.2f}x as much as a ground campus {per} ({unit(r)}, built in {y0})"
                f"{late_text}.")
    else:
        head = f"**{q} No.** No space unit can be built by {first_year + 2}{late_text}."
    if len(cheaper):
        y1 = int(cheaper.index.min())
        r = cheaper.loc[y1]
        tail = (f" Space first matches the ground for units built in {y1}, at {r['space_to_ground']:.2f}x "
                f"({unit(r)}).")
    else:
        y1 = int(best["space_to_ground"].idxmin())
        r = best.loc[y1]
        tail = (f" No space unit built in the horizon (to {int(best.index.max())}) matches the ground: the closest, "
                f"at {r['space_to_ground']:.2f}x, is {unit(r)}, built in {y1}.")
    return head + tail


PLAN_COST = "Cost of this plan"  # the plan's own cost per delivered FLOP: always the first number a reader sees
LIKE_FOR_LIKE = "Like for like with the ground"  # then the comparison on the demand both can serve


def _like_for_like(run: Run) -> list[str]:
    """The plan's own cost per delivered FLOP first, then the like-for-like comparison with the ground, each with
    its label in bold so the two numbers cannot be confused; then what the difference between them is."""
    s = run.summary
    go = s.get("ground_only") or {}
    ratio = plan_vs_ground_only(s)
    not_servable = go.get("not_servable_workloads") or []
    own = f"**{PLAN_COST}: {per_pflop_day(s.get('usd_per_pflop_day'))}** of delivered FLOP"
    if "usd_per_pflop_day" in (s.get("undefined_values") or {}).get("fields", []):  # null in summary.json: say why
        own += f" (undefined: {s['undefined_values']['reason']})"
    if go.get("usd_per_pflop_day") is None:
        return [f"{own}; no ground-only comparison was computed for this run."]
    ground = f"**{per_pflop_day(go.get('usd_per_pflop_day'))}**"
    if not not_servable:
        verdict = ("space lowers the cost" if ratio is not None and ratio < 1 - 1e-4 else
                   "space does not lower the cost" if ratio is not None else "")
        return [f"{own}. {LIKE_FOR_LIKE} (the same demand): the best ground-only plan costs {ground}"
                + (f" (plan / ground-only = {ratio:.3f}: {verdict})." if ratio is not None else ".")]
    names = ", ".join(f"\u201c{workload_label(w, run.scenario)}\u201d" for w in not_servable)
    be = run.a("break_even")
    at_base = be[(be["launch_price_factor"] - 1.0).abs() < 1e-9] if len(be) else be
    if not (len(at_base) and at_base["status"].iloc[0] in ("optimal", "time_limit")):
        at_base = None
    # the headline is the like-for-like pair (the same demand on both sides); the plan's own cost covers more
    # demand than the ground can serve, so it follows, not in bold
    whole = (f"{PLAN_COST}, for all its demand together: {per_pflop_day(s.get('usd_per_pflop_day'))} of delivered "
             f"FLOP ({money(s.get('npv_cost_usd'))} in present value). It is not like for like with the ground: it "
             f"includes {names}, which only space can serve.")
    return [_earth_like_for_like(run, at_base, ground), whole, _whole_plan_difference(run, not_servable, at_base)]


def _break_even_tolerance(run: Run, at_base: pd.DataFrame | None = None) -> float | None:
    """The saving below which the break-even re-solves cannot tell space from ground (what their MIP gaps leave),
    USD: the scenario's own row's where given, else the largest over the re-solves."""
    if at_base is not None and "tolerance_usd" in at_base and not _missing(at_base["tolerance_usd"].iloc[0]):
        return float(at_base["tolerance_usd"].iloc[0])
    return ((run.summary.get("analysis") or {}).get("break_even") or {}).get("tolerance_usd")


def _space_saves(run: Run, at_base: pd.DataFrame | None) -> bool | None:
    """Whether space lowers the cost of the Earth demand at the scenario's launch prices (None: not computed)."""
    if at_base is None:
        return None
    return float(at_base["savings_usd"].iloc[0]) > (_break_even_tolerance(run, at_base) or 0.0)


def _earth_like_for_like(run: Run, at_base: pd.DataFrame | None, ground: str) -> str:
    """The comparison with the ground on the demand both can serve (the Earth demand): the headline pair, both
    numbers in bold and both for the same demand."""
    head = f"**{LIKE_FOR_LIKE}, for the demand on Earth only:"
    if at_base is None:
        return (f"{head}** the best ground-only plan costs {ground} (the plan with space allowed for that demand "
                f"alone is computed with --analysis quick or full).")
    r = at_base.iloc[0]
    pair = (f"{head} {per_pflop_day(r['usd_per_pflop_day'])} with space allowed, against "
            f"{per_pflop_day(r['ground_usd_per_pflop_day'])} for the ground alone.**")
    if not _space_saves(run, at_base) and (r["space_share"] or 0) <= 1e-6:
        tol = _break_even_tolerance(run, at_base)
        within = (f", to within what the re-solves prove ({money(tol)}, their MIP gaps)" if tol else
                  " (both re-solves proven optimal)" if tol is not None else "")
        return (f"{pair} Re-solved for that demand alone, the best plan with space allowed uses no space: for the "
                f"demand on Earth, space saves nothing{within} (section 11).")
    return f"{pair} Space carries {pct(r['space_share'])} of that demand's FLOP (section 11)."


def _whole_plan_difference(run: Run, not_servable: list[str], at_base: pd.DataFrame | None) -> str:
    """What the whole plan costs beyond the ground-only plan of the Earth demand, and who serves the rest."""
    s = run.summary
    go = s.get("ground_only") or {}
    ratio = plan_vs_ground_only(s)
    diff = (s.get("npv_cost_usd") or 0.0) - (go.get("npv_cost_usd") or 0.0)
    names = [f"\u201c{workload_label(w, run.scenario)}\u201d" for w in not_servable]
    them = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    text = (f"The whole plan costs {money(abs(diff))} {'more' if diff >= 0 else 'less'} than the ground-only plan of "
            f"the Earth demand ({money(s.get('npv_cost_usd'))} against {money(go.get('npv_cost_usd'))} in present "
            f"value" + (f"; plan / ground-only = {ratio:.3f}, the two cover different demand" if ratio is not None
                        else "") + ").")
    saves = _space_saves(run, at_base)
    if saves is False:
        text += f" That {money(diff)} is the cost of serving {them}."
    elif saves:
        text += (f" That difference is the cost of serving {them}, less what space saves on the Earth demand "
                 f"({money(float(at_base['savings_usd'].iloc[0]))}).")
    return text + _served_from(run, not_servable)


def _served_from(run: Run, not_servable: list[str]) -> str:
    """Where the workloads only space can serve run, at what cost, and what Earth work those sites also take."""
    go = run.summary.get("ground_only") or {}
    alloc, arch = run.t("allocation"), run.t("architectures")
    serving = (sorted(alloc.loc[alloc["workload"].isin(not_servable) & (alloc["flop"] > 0), "architecture"].unique())
               if len(alloc) else [])
    if not (serving and len(arch)):
        return ""
    a = arch.set_index("architecture")
    parts = [f"{arch_in_prose(x, run.scenario)} ({x}) at {per_pflop_day(a.loc[x, 'usd_per_pflop_day'])}"
             + (f", {a.loc[x, 'usd_per_pflop_day'] / go['usd_per_pflop_day']:.0f}x the ground-only average"
                if go.get("usd_per_pflop_day") else "") for x in serving if x in a.index]
    text = (" It is served from " + "; ".join(parts) + ", its site core included (section 5).") if parts else ""
    there = alloc[alloc["architecture"].isin(serving)]
    earth = float(there.loc[~there["workload"].isin(not_servable), "flop"].sum())
    if earth > 0:
        it, takes, its = ("it", "takes", "its") if len(serving) == 1 else ("they", "take", "their")
        text += (f" Once built, {it} also {takes} some Earth work ({pct(earth / float(there['flop'].sum()))} of "
                 f"{its} FLOP): with the site core paid for anyway, that work costs less there than on the ground.")
    return text


def _theta_sentence(run: Run) -> str:
    s = run.summary
    theta = s.get("theta")
    obj = run.scenario.get("objective") or {}
    if theta is None or (s.get("mode") != "ratio" and abs(theta - 1.0) < 1e-6):
        return ""
    lo, hi = obj.get("theta_min"), obj.get("theta_max")
    at = (" (the lowest the scenario allows: objective.theta_min decides this answer)"
          if lo is not None and abs(theta - lo) < 1e-6 else
          " (the highest the scenario allows: objective.theta_max)" if hi is not None and abs(theta - hi) < 1e-6
          else "")
    return (f"**This plan serves {pct(theta, 0)} of the scenario's demand, not all of it.** In ratio mode the "
            f"optimiser picks the share of demand to serve"
            + (f", between {pct(lo, 0)} and {pct(hi, 0)}," if lo is not None and hi is not None else "")
            + f" that gives the lowest cost per FLOP; it chose {theta:.2f}{at}. Every cost, FLOP and emission below "
              f"is for that share, and the ground-only plan serves the same share.")


def _space_sentence(run: Run) -> str:
    s = run.summary
    shares = s.get("delivered_share_by_family", {})
    space = s.get("space_share", 0.0) or 0.0
    mix = ", ".join(f"{f} {pct(v)}" for f, v in shares.items() if v > 0.0005)
    if space <= 0.0005:
        return f"The plan keeps compute on the ground ({mix})."
    text = f"Space carries {pct(space)} of the delivered FLOP ({mix}), first in {s.get('first_space_year')}"
    not_servable = (s.get("ground_only") or {}).get("not_servable_workloads") or []
    alloc = run.t("allocation")
    if not_servable and len(alloc):
        fam = alloc["architecture"].map(run.families)
        space_flop = alloc.loc[fam != "ground", "flop"]
        off = alloc.loc[(fam != "ground") & alloc["workload"].isin(not_servable), "flop"].sum()
        if space_flop.sum() > 0:
            text += (f"; {pct(off / space_flop.sum())} of the space FLOP serves "
                     + ", ".join(f"\u201c{workload_label(w, run.scenario)}\u201d" for w in not_servable))
    return text + "."


def summary_section(run: Run) -> Section:
    s = run.summary
    go = s.get("ground_only", {}) or {}
    sec = Section("1. Executive summary")
    vc = run.t("vintage_costs")
    w = main_workload(run)
    verdict = cheaper_verdict(vc, w, run.scenario["horizon"]["first_year"], run.scenario)
    if verdict:
        found = parity(run, vc, w)
        take = ""
        if found and found[0]["cut"] is not None:
            p = found[0]
            take = (f" For the {p['family']} built in {p['year']} to match the ground, everything but its accelerators "
                    f"would have to cost {pct(p['cut'], 0)} less; free launches alone would leave it at "
                    f"{(p['total'] - p['launch']) / p['ground']:.2f}x.")
        sec.p(verdict + take + " Section 2 has the year-by-year comparison and what each unit pays for.")
        against_marginal = marginal_verdict(run, w)
        if against_marginal:
            sec.p(against_marginal)
    theta = _theta_sentence(run)
    if theta:
        sec.p(theta)
    sec.p(f"{UNIT_DEFINITION}. Costs and delivered FLOP are both discounted at the scenario's "
          f"{pct((run.scenario.get('money') or {}).get('discount_rate'))} a year, like a levelised cost of "
          f"electricity.")
    for para in _like_for_like(run):
        sec.p(para)
    sec.p(_space_sentence(run))
    if s.get("launch_flights"):
        sec.p(f"Launches: {num(s['launch_flights'])} flights over the horizon, at most "
              f"{num(s.get('peak_flights_per_yr'))} in {s.get('peak_flights_year')}.")
    bullets = []
    an = s.get("analysis") or {}
    be = an.get("break_even") or {}
    if be.get("meaning"):
        flat = _break_even_flat(run.a("break_even"), be)
        bullets.append(f"Launch price: {flat}" if flat else f"Break-even launch price: {be['meaning']} (section 11).")
    da = run.a("decisive_assumptions")
    if len(da):
        items = []
        for _, r in da.head(3).iterrows():
            items.append(f"the {with_note(prose_path_label(r['path'], run.scenario), r['confidence'])}: "
                         f"{signed_pct(r.get('low_change'))} at its catalog low, "
                         f"{signed_pct(r.get('high_change'))} at its high")
        bullets.append("What moves the cost per FLOP most (one value at a time, re-solved): " + "; ".join(items)
                       + ".")
    bullets += _space_sensitivity_bullets(run)
    if an.get("assumption_cost_share") is not None:
        bullets.append(f"{pct(an['assumption_cost_share'])} of the plan's present-value cost is priced by values "
                       f"that are our own assumptions (section 13).")
    wf = (s.get("waterfall") or {}).get("largest_loss_sentence")
    if wf:
        bullets.append(wf)
    if s.get("co2_kg_per_pflop_day") is not None:
        ground = (f"; the ground-only plan {go['co2_kg_per_pflop_day']:,.1f} kg and "
                  f"{go['water_l_per_pflop_day']:,.1f} L" if go.get("co2_kg_per_pflop_day") is not None else "")
        bullets.append(f"Carbon and water: {s['co2_kg_per_pflop_day']:,.1f} kg CO2 and "
                       f"{s['water_l_per_pflop_day']:,.1f} L of site water per delivered {UNIT}{ground} "
                       f"(section 9).")
    sec.bullets(bullets)
    sec.p(f"How sure: {how_sure(s)} {run.explanations.get('perfect_foresight', '')}")
    return sec


def how_sure(s: dict) -> str:
    """Page 1's resolution: the MIP gap in dollars against the plan's space-related cost, and whether the space
    decisions are resolved (summary.json's resolution block; older run folders: the relative gap alone)."""
    gap = s.get("mip_gap")
    r = s.get("resolution") or {}
    if r.get("gap_usd") is None:
        return (f"the solver proved this plan costs at most {pct(gap, 3)} more than the best possible plan for this "
                f"scenario (status {s.get('status')}; this is the 'MIP gap')." if gap is not None else
                f"status {s.get('status')}.")
    scale = max(r["space_cost_usd"], r["cheapest_space_unit_usd"])
    against = ("its space-related cost" if r["space_cost_usd"] >= r["cheapest_space_unit_usd"] else
               "the cheapest space unit that could serve the largest workload, more than the plan spends on space")
    text = (f"the solver proved this plan costs at most **{money(r['gap_usd'])}** more than the best possible plan "
            f"for this scenario ({pct(gap, 3)} of its cost, the 'MIP gap'; status {s.get('status')}). The plan's "
            f"space-related cost (capex, launch, operations and site cores of its space architectures, present "
            f"value) is {money(r['space_cost_usd'])}. ")
    if r.get("resolved"):
        text += (f"**The space decisions are resolved**: the gap is within {r['share'] * 100:g} % of {against} "
                 f"({money(scale)}), so no plan with other space decisions is cheaper by more than "
                 f"{money(r['gap_usd'])}.")
    else:
        text += (f"**The space decisions are not resolved**: the gap is more than {r['share'] * 100:g} % of "
                 f"{against} ({money(r['target_usd'])}), so plans whose space decisions differ by less than "
                 f"{money(r['gap_usd'])} cannot be told apart.")
    re_solves = r.get("re_solves") or {}
    if re_solves.get("mip_solves"):
        n, bad = re_solves["mip_solves"], re_solves.get("unresolved", 0)
        text += (f" Of the {n} re-solves that explain the plan (ground-only comparison, analysis), "
                 + ("all resolved their space decisions the same way." if not bad else
                    f"{n - bad} resolved their space decisions and {bad} did not: they stopped at the analysis "
                    f"time limit first, so their rows (marked * in the sensitivity tables) are as sure as their "
                    f"gaps, not as sure as the plan."))
    return text


def _ground_gap_sentence(run: Run, vc: pd.DataFrame, w: str) -> str:
    """Why a ground unit's cost per training FLOP sits above the ground-only plan's average (issue S4)."""
    go = run.summary.get("ground_only") or {}
    g = vc[vc["family"] == "ground"]
    if g.empty or go.get("usd_per_pflop_day") is None:
        return ""
    last = int(g["vintage"].max())
    at_last = g[g["vintage"] == last].groupby("workload")["usd_per_pflop_day"].min()
    if w not in at_last:
        return ""
    wls = run.scenario.get("workloads") or {}
    prec = {k: (wls.get(k) or {}).get("precision", "") for k in at_last.index}
    name = {k: f"\u201c{workload_label(k, run.scenario)}\u201d" for k in at_last.index}
    others = [f"{per_pflop_day(x)} for {name[k]} ({prec[k]})" for k, x in at_last.sort_values().items() if k != w]
    text = (f"Why the ground here costs more than the ground-only plan's average of "
            f"{per_pflop_day(go['usd_per_pflop_day'])}: this table counts {name[w]} FLOP only ({prec.get(w)}), and "
            f"the ground-only plan averages over every workload. A ground unit built in {last} costs "
            f"{per_pflop_day(at_last[w])} for {name[w]}" + (f" but {', '.join(others)}" if others else "")
            + ": an accelerator does more FLOP per second at lower precision.")
    fleet = run.t("fleet")
    money_ = run.scenario.get("money") or {}
    ground_by_year = g[g["workload"] == w].groupby("vintage")["usd_per_pflop_day"].min()
    if len(fleet) and "discount_rate" in money_ and len(ground_by_year):
        cheapest_from = int(ground_by_year[ground_by_year <= ground_by_year.min() * 1.001].index.min())
        f = fleet[fleet["family"] == "ground"].groupby("year")["delivered_flop"].sum()
        pv = f * discount_factor(f.index, money_.get("base_year", f.index.min()), money_["discount_rate"])
        if pv.sum() > 0:
            text += (f" And the average weights years by present-value FLOP: {pct(pv[pv.index >= cheapest_from].sum() / pv.sum(), 0)} "
                     f"of the ground's discounted FLOP comes from {cheapest_from} on, when the cheapest vintages "
                     f"serve.")
    return text


def cheaper_section(run: Run, figdir: Path) -> Section:
    sec = Section("2. Is space cheaper yet?")
    vc = run.t("vintage_costs")
    w = main_workload(run)
    sec.p("Cost per delivered FLOP of one unit built in each year, over its whole life (a levelised cost like "
          "LCOE: present value of its costs over present value of its FLOP). A space unit pays its hardware, "
          "operations and its launch at the cheapest route that year; site cores are shared and left out, so "
          "these ratios are lower than the cost of a whole space architecture in section 5. A ground campus pays "
          "its accelerators, energy, replacements and the facility MW they occupy. The executive summary's "
          "answer to the 2-3-year question is read from this table.")
    sec.figure(fig.vintage_costs(vc, w, figdir / "vintage_costs.png"), "Cost per FLOP by build year",
               f"Best unit of each family per build year, USD per {UNIT} of {w} FLOP (log scale).")
    if len(vc):
        v = vc[vc["workload"] == w]
        best = v.groupby(["vintage", "family"])["usd_per_pflop_day"].min().unstack()
        cols = [c for c in fig.FAMILY_ORDER if c in best.columns]
        table = best[cols].copy()
        if "ground" in table:
            for c in cols:
                if c != "ground":
                    table[f"{c}/ground"] = table[c] / table["ground"]
        out = table.reset_index().rename(columns={"vintage": "built"})
        for c in out.columns[1:]:
            out[c] = out[c].map(lambda x: "" if pd.isna(x) else (f"{x:.2f}x" if "/" in c else f"${x:,.2f}"))
        marked = reach_marks(run, w, out)
        out["built"] = out["built"].astype(int).astype(str)
        sec.table(f"Best cost per delivered {w} {UNIT} (USD) of a unit built in each year", out,
                  note=reach_note(run, w, marked))
        gap = _ground_gap_sentence(run, vc, w)  # the verdict itself opens the executive summary
        if gap:
            sec.p(gap)
        marginal_benchmark(sec, run, w)
        unit_parts(sec, run, vc, w)
    return sec


def _marginal(run: Run, w: str) -> pd.DataFrame:
    mc = run.t("marginal_costs")
    return mc[mc["workload"] == w].sort_values("year") if len(mc) else mc


def marginal_benchmark(sec: Section, run: Run, w: str) -> None:
    """Section 2: the ground's marginal cost (the demand rows' dual prices) beside a new ground unit's levelised
    cost, what a space unit built each year competes against over its life, and which benchmark decides."""
    mc = _marginal(run, w)
    if mc.empty:
        return
    sec.p(f"**The ground's marginal cost.** The table above benchmarks a space unit against a new ground unit's "
          f"levelised cost. What one more {UNIT} of {w} demand costs the plan in a year is the ground's marginal "
          f"cost: the dual price of that year's demand row in the linear program with the plan's integer decisions "
          f"fixed (the shadow prices of section 10), per delivered FLOP. Where the ground cannot add capacity at its "
          f"levelised cost (grid connections, build-out), it is higher; where capacity built earlier is still "
          f"spare, lower. A space unit built in a year serves for its whole life, so it competes against the "
          f"marginal cost over those years, weighted by the FLOP it delivers in each: that is the benchmark that "
          f"decides whenever it differs from a new ground unit's cost by more than 5 %.")
    rows = []
    for r in mc.itertuples():
        life = r.life_marginal_usd_per_pflop_day
        space = r.space_unit_usd_per_pflop_day
        rows.append({"year": str(int(r.year)), "ground marginal": usd(r.marginal_usd_per_pflop_day),
                     "new ground unit": usd(r.ground_unit_usd_per_pflop_day),
                     "best space unit": "" if _missing(space) else
                     f"{usd(space)} ({run.families.get(r.space_architecture, '')})",
                     "marginal over its life": "" if _missing(life) else usd(life),
                     "space / marginal": "" if _missing(life) or not life else f"{space / life:.2f}x",
                     "decides": "marginal" if r.decides == "marginal" else "either (within 5 %)"})
    sec.table(f"Ground's marginal cost against a new ground unit and the best space unit, USD per {w} {UNIT}",
              pd.DataFrame(rows), small=True,
              note="Ground marginal: the demand row's shadow price over the present value of the FLOP one EFLOP/s "
                   "delivers that year (tables/marginal_costs.csv). Marginal over its life: the space unit's "
                   "benchmark, years past the horizon at the last year's marginal cost. The shadow prices are "
                   "conditional on this plan's integer decisions.")
    sec.p(marginal_sentence(mc))


def marginal_sentence(mc: pd.DataFrame) -> str:
    """Which benchmark decides, and where space stands against the one that does."""
    hi = mc[(mc["decides"] == "marginal") & (mc["life_marginal_usd_per_pflop_day"]
                                             > mc["ground_unit_usd_per_pflop_day"])]
    lo = mc[(mc["decides"] == "marginal") & (mc["life_marginal_usd_per_pflop_day"]
                                             < mc["ground_unit_usd_per_pflop_day"])]
    peak = mc.loc[mc["marginal_usd_per_pflop_day"].idxmax()]
    text = (f"The ground's marginal cost peaks at {usd(peak['marginal_usd_per_pflop_day'])} in {int(peak['year'])}, "
            f"against {usd(peak['ground_unit_usd_per_pflop_day'])} for a new ground unit that year. ")
    eve = generation_eves(mc)
    if eve:
        text += (f"Its peaks fall in {_year_spans(eve)}, each the year before a cheaper ground generation arrives: "
                 f"one more FLOP in that year alone needs chips bought at the old generation's price that the next "
                 f"year's cheaper chips then undercut, so the year carries most of their cost. That is the price of "
                 f"demand in one year, not of a unit that serves for years, which is why a space unit is judged "
                 f"against the marginal cost over its life. ")
    if len(hi):
        text += (f"Over a unit's life it is above a new ground unit's cost for units built in "
                 f"{_year_spans(list(hi['year'].astype(int)))}: there the ground is constrained and the marginal "
                 f"cost decides. ")
    if len(lo):
        text += (f"It is below for units built in {_year_spans(list(lo['year'].astype(int)))}: over those units' "
                 f"lives the ground serves more cheaply than a new unit built that year would (later, cheaper "
                 f"vintages; capacity built earlier), and the marginal cost decides there too. ")
    if not len(hi) and not len(lo):
        text += "Over a unit's life it agrees with a new ground unit's cost within 5 % every year: either decides. "
    space = mc[mc["life_marginal_usd_per_pflop_day"].notna() & (mc["life_marginal_usd_per_pflop_day"] > 0)]
    if space.empty:
        return text + "No space unit can serve this workload."
    ratio = space["space_unit_usd_per_pflop_day"] / space["life_marginal_usd_per_pflop_day"]
    below = space[ratio <= 1.0]
    if len(below):
        return text + (f"Against it, a space unit is cheaper for units built in "
                       f"{_year_spans(list(below['year'].astype(int)))}.")
    best = ratio.idxmin()
    return text + (f"Against it, no space unit is cheaper: the closest, built in {int(space.loc[best, 'year'])}, "
                   f"costs {ratio[best]:.2f}x the marginal cost over its life.")


def generation_eves(mc: pd.DataFrame, jump: float = 1.5, drop: float = 0.8) -> list[int]:
    """Years whose marginal cost is more than ``jump`` x both neighbours' and after which a new ground unit is more
    than 20 % cheaper: the eve of a cheaper ground generation."""
    m = mc.set_index(mc["year"].astype(int))
    out = []
    for y in m.index:
        if y - 1 not in m.index or y + 1 not in m.index:
            continue
        x = m.loc[y, "marginal_usd_per_pflop_day"]
        if (x > jump * max(m.loc[y - 1, "marginal_usd_per_pflop_day"], m.loc[y + 1, "marginal_usd_per_pflop_day"])
                and m.loc[y + 1, "ground_unit_usd_per_pflop_day"] < drop * m.loc[y, "ground_unit_usd_per_pflop_day"]):
            out.append(int(y))
    return out


def marginal_verdict(run: Run, w: str) -> str:
    """Page 1: the 2-3-year answer against the ground's marginal cost, beside the levelised one."""
    mc = _marginal(run, w)
    if mc.empty:
        return ""
    first = int(run.scenario["horizon"]["first_year"])
    win = mc[mc["year"] <= first + 2]
    if win.empty:
        return ""
    years = ", ".join(f"{usd(r.marginal_usd_per_pflop_day)} in {int(r.year)}" for r in win.itertuples())
    text = (f"Against the ground's marginal cost (what one more {UNIT} of {w} costs the plan: {years}; a new ground "
            f"unit {usd(win['ground_unit_usd_per_pflop_day'].min())}"
            + (f"-{usd(win['ground_unit_usd_per_pflop_day'].max())}"
               if win['ground_unit_usd_per_pflop_day'].max() > win['ground_unit_usd_per_pflop_day'].min() + 0.005
               else "") + ")")
    space = win[win["life_marginal_usd_per_pflop_day"].notna() & (win["life_marginal_usd_per_pflop_day"] > 0)]
    if space.empty:
        return text + f": no space unit can serve {w} by {first + 2}, so the answer is the same on both benchmarks."
    ratio = space["space_unit_usd_per_pflop_day"] / space["life_marginal_usd_per_pflop_day"]
    i = ratio.idxmin()
    r = space.loc[i]
    marginal_yes = ratio[i] <= 1.0
    level_yes = bool((space["space_unit_usd_per_pflop_day"] <= space["ground_unit_usd_per_pflop_day"]).any())
    answer = (f"so the answer is {'Yes' if marginal_yes else 'No'} against both benchmarks"
              if marginal_yes == level_yes else
              f"so against the marginal cost the answer is {'Yes' if marginal_yes else 'No'}, against a new ground "
              f"unit {'Yes' if level_yes else 'No'}")
    return text + (f": the best space unit built by {first + 2} (a {run.families.get(r['space_architecture'], '')}, "
                   f"built in {int(r['year'])}, {usd(r['space_unit_usd_per_pflop_day'])}) costs {ratio[i]:.2f}x the "
                   f"marginal cost over its life ({usd(r['life_marginal_usd_per_pflop_day'])}), {answer}. "
                   + ("The marginal cost decides (section 2)." if (space["decides"] == "marginal").any()
                      else "The two benchmarks agree (section 2)."))


TOO_SMALL = "too small"  # a family's units can be built that year but none holds the workload's cluster
OUT_OF_REACH = "out of reach"  # ... or none is within the workload's latency limit and location


def reach_marks(run: Run, w: str, out: pd.DataFrame) -> dict[str, list[int]]:
    """Mark the blank cells of section 2's table where units of the family can be built that year but cannot
    serve the workload (too small for its cluster, or out of its latency reach); returns {mark: [families]}
    for the note. A cell left blank: no unit of that family can be built that year."""
    reach = run.t("space_reach")
    marked: dict[str, list[str]] = {}
    if not len(reach):
        return marked
    r = reach[reach["workload"] == w].set_index(["family", "vintage"])
    for fam in [c for c in out.columns if c in fig.FAMILY_ORDER and c != "ground"]:
        for i, y in zip(out.index, out["built"]):
            if out.at[i, fam] or (fam, int(y)) not in r.index:
                continue
            row = r.loc[(fam, int(y))]
            mark = OUT_OF_REACH if not row["within_latency"] else TOO_SMALL if not row["holds_cluster"] else ""
            if mark:
                out.at[i, fam] = mark
                marked.setdefault(mark, [])
                marked[mark].append((fam, int(y)))
    return marked


def reach_note(run: Run, w: str, marked: dict) -> str:
    """Section 2's table note: what a blank cell and each mark mean, with the years of each marked family."""
    cluster = ((run.scenario.get("workloads") or {}).get(w) or {}).get("min_cluster_accelerators")
    text = "A blank cell: no unit of that family can be built that year."
    for mark, cells in marked.items():
        fams = {}
        for fam, y in cells:
            fams.setdefault(fam, []).append(y)
        where = "; ".join(f"{fam}s {_year_spans(ys)}" for fam, ys in fams.items())
        why = (f"units can be built that year but no unit (nor its formation) holds the {w} cluster"
               + (f" of {cluster:,} accelerators" if isinstance(cluster, (int, float)) else "")
               if mark == TOO_SMALL else "units can be built that year but none is within the workload's latency "
                                          "limit and location")
        text += f" '{mark}': {why} ({where})."
    return text


def _year_spans(years: list[int]) -> str:
    """'2031-2045' for consecutive years, '2028, 2030-2031' otherwise."""
    ys = sorted(set(years))
    spans, start = [], ys[0]
    for a, b in zip(ys, ys[1:] + [None]):
        if b != a + 1:
            spans.append(str(a) if a == start else f"{start}-{a}")
            start = b
    return ", ".join(spans)


PART_LABELS = {"accelerators": "accelerators", "bus": "bus", "arrays": "solar arrays", "radiators": "radiators",
               "batteries": "batteries", "shielding": "shielding", "terminals": "optical terminals",
               "heat_pumps": "heat pumps", "fission_power": "fission power", "propellant": "propellant",
               "integration": "integration", "insurance": "insurance of the hardware",
               "launch": "launch (with its insurance)", "carbon": "carbon price", "operations": "operations",
               "energy": "energy", "replacements": "accelerator replacements",
               "facility": "facility (building, power, cooling, lease)"}


def parity(run: Run, vc: pd.DataFrame, w: str) -> list[dict]:
    """The space unit of the 2-3-year verdict (and the closest one in the horizon) against the ground campus built
    the same year: what each pays for per FLOP, and what would have to fall for the space unit to match."""
    parts = run.t("unit_cost_parts")
    space = vc[(vc["workload"] == w) & (vc["family"] != "ground") & vc["space_to_ground"].notna()] if len(vc) else vc
    if parts.empty or space.empty:
        return []
    parts = parts[parts["workload"] == w]
    picks = []
    soon = space[space["vintage"] <= run.scenario["horizon"]["first_year"] + 2]
    if len(soon):
        picks.append(soon.loc[soon["space_to_ground"].idxmin()])
    closest = space.loc[space["space_to_ground"].idxmin()]
    if not picks or int(closest["vintage"]) != int(picks[0]["vintage"]):
        picks.append(closest)
    out = []
    for r in picks:
        y, fam = int(r["vintage"]), r["family"]
        own = parts[(parts["family"] == fam) & (parts["vintage"] == y)]
        at = parts[(parts["family"] == "ground") & (parts["vintage"] == y)]
        if own.empty or at.empty:
            continue
        own_parts = own.set_index("part")["usd_per_pflop_day"]
        ground = at.set_index("part")["usd_per_pflop_day"]
        total, g, acc = own_parts.sum(), ground.sum(), own_parts.get("accelerators", 0.0)
        out.append({"family": fam, "year": y, "architecture": r["architecture"], "parts": own_parts,
                    "ground_architecture": at["architecture"].iloc[0], "ground_parts": ground, "total": total,
                    "ground": g, "accelerators": acc, "launch": own_parts.get("launch", 0.0),
                    "cut": 1 - (g - acc) / (total - acc) if acc < g < total else None})
    return out


def parity_sentence(p: dict, name: str) -> str:
    head = (f"The {p['family']} built in {p['year']} ({name}) costs {per_pflop_day(p['total'])}, "
            f"{p['total'] / p['ground']:.2f}x the ground campus built that year ({per_pflop_day(p['ground'])}). ")
    if p["total"] <= p["ground"]:
        return head + "It already matches the ground."
    if p["cut"] is None:
        return head + (f"Its accelerators alone cost {usd(p['accelerators'])} per {UNIT} it delivers, more than the "
                       "whole ground campus: no fall in its other costs would make it match.")
    rest = p["total"] - p["accelerators"]
    return head + (f"To match the ground, everything but its accelerators would have to cost {pct(p['cut'], 0)} less "
                   f"({usd(rest)} down to {usd(p['ground'] - p['accelerators'])}). Its launch is "
                   f"{usd(p['launch'])} of it: with free launches it would still cost "
                   f"{(p['total'] - p['launch']) / p['ground']:.2f}x the ground.")


def unit_parts(sec: Section, run: Run, vc: pd.DataFrame, w: str) -> None:
    found = parity(run, vc, w)
    if not found:
        return
    names = arch_short_names(run, [x for p in found for x in (p["architecture"], p["ground_architecture"])])
    columns = {}
    for p in found:
        columns[f"{names[p['architecture']]}, built {p['year']}"] = p["parts"]
        columns[f"{names[p['ground_architecture']]}, built {p['year']}"] = p["ground_parts"]
    table = pd.DataFrame(columns).fillna(0.0)
    table = table.loc[table.iloc[:, 0].sort_values(ascending=False).index]
    table.loc["total"] = table.sum()
    out = table.map(lambda x: usd(x) if x else "").reset_index(names="pays for")
    out["pays for"] = out["pays for"].map(lambda x: PART_LABELS.get(x, x))
    sec.p("**What would it take?** " + " ".join(parity_sentence(p, names[p["architecture"]]) for p in found))
    sec.table(f"What the unit pays for, USD per delivered {w} {UNIT}", out,
              note="Capital (hardware, launch, carbon) financed at each family's rate over the unit's life, as in the "
                   "objective. The same chip costs a different amount per FLOP in each place: a ground campus "
                   "replaces failed accelerators (a cost of its own) and refreshes them on its own cycle, where a "
                   "space unit loses failed ones and those past their radiation dose (fewer FLOP). "
                   "tables/unit_cost_parts.csv has every family and year.")


def _every(frame: pd.DataFrame, step: int = 3) -> pd.DataFrame:
    years = sorted(frame["year"].unique())
    keep = set(years[::step]) | {years[-1]} if years else set()
    return frame[frame["year"].isin(keep)]


def buildout_section(run: Run, figdir: Path) -> Section:
    sec = Section("3. Build-out")
    fleet = run.t("fleet")
    sec.figure(fig.buildout(fleet, figdir / "buildout.png"), "Build-out",
               "Delivered compute (EFLOP/s, sustained) and installed IT power (GW) by family and year.")
    names = arch_short_names(run, fleet["architecture"]) if len(fleet) else {}
    sec.figure(fig.space_units(fleet, figdir / "space_units.png", names.get), "Space units",
               "Units in service by architecture.")
    if len(fleet):
        agg = fleet.groupby(["year", "family"]).agg(units=("units_in_service", "sum"),
                                                    accelerators=("accelerators", "sum"),
                                                    it_mw=("it_mw", "sum"), eflop_s=("delivered_eflop_s", "sum"))
        agg = _every(agg.reset_index())
        out = pd.DataFrame({"year": agg["year"].astype(str), "family": agg["family"],
                            "units in service": [("campus" if f == "ground" else num(x))
                                                 for f, x in zip(agg["family"], agg["units"])],
                            "accelerators": agg["accelerators"].map(lambda x: num(x)),
                            "IT MW": agg["it_mw"].map(lambda x: num(x)),
                            "EFLOP/s delivered": agg["eflop_s"].map(lambda x: num(x, 1))})
        sec.table("Units, accelerators, IT power and delivered compute (every third year)", out,
                  note="Ground campuses are sized in MW and accelerators, not in units: their size is the IT MW "
                       "column.")
    return sec


def launch_section(run: Run, figdir: Path) -> Section:
    sec = Section("4. Launch plan")
    la = run.t("launches")
    if la.empty or la["flights"].sum() <= 0:
        return sec.p("The plan launches nothing.")
    h = run.scenario.get("horizon") or {}
    horizon = (int(h["first_year"]), int(h["last_year"])) if "first_year" in h and "last_year" in h else None
    sec.figure(fig.launches(la, figdir / "launches.png", horizon), "Launch plan",
               "Flights per vehicle and year against the scenario's cadence cap; mass launched per year (t).")
    out = pd.DataFrame({"year": la["year"].astype(str),
                        "vehicle": la["vehicle"].map(lambda v: _unbracketed(_entry_label(run, "launch_vehicles", v))),
                        "trips": la["trips"].map(num),
                        "flights": la["flights"].map(num), "tankers": la["tanker_flights"].map(num),
                        "cap": la["cadence_cap"].map(lambda x: num(x) if math.isfinite(x) else "none"),
                        "mass t": (la["mass_launched_kg"] / 1000).map(lambda x: num(x, 1)),
                        "capacity t": (la["payload_capacity_kg"] / 1000).map(lambda x: num(x, 1)),
                        "cost": la["cost_usd"].map(money)})
    sec.table("Launches by year and vehicle", out,
              note="cost: flights x price, expended ships, and insurance (the vehicle's premium, or its failure rate "
                   "as the expected loss of self-insured payloads); the money section shows launch and insurance "
                   "as separate categories.")
    return sec


def money_section(run: Run, figdir: Path) -> Section:
    sec = Section("5. Money")
    costs = run.t("costs")
    sec.figure(fig.costs(costs, figdir / "costs.png"), "Costs",
               "Present value by category (USD billion) and capital spending by year (undiscounted).")
    if len(costs):
        real = costs[costs["category"] != "unmet_penalty"]
        by = real.groupby("category").agg(pv=("usd_discounted", "sum"), cash=("usd", "sum"))
        total = by["pv"].sum()
        by = by.sort_values("pv", ascending=False)
        out = pd.DataFrame({"category": [category_words(c) for c in by.index], "present value": by["pv"].map(money),
                            "share": (by["pv"] / total).map(pct), "cash (undiscounted)": by["cash"].map(money)})
        sec.table("Discounted cost by category", out,
                  note="Residual value is the credit for capital life after the horizon; financing is the cost of "
                       "a family's risk premium on its capital.")
        capex = real[real["category"].isin(CAPITAL_CATEGORIES)].groupby("year")["usd"].sum()
        if len(capex):
            sec.p(f"Peak funding need: {money(capex.max())} of capital in {int(capex.idxmax())} (undiscounted); "
                  f"{money(capex.sum())} over the horizon.")
    s = run.summary
    if s.get("npv_delivered_flop"):
        sec.p(f"Cost per delivered FLOP: {money(s.get('npv_cost_usd'))} present value of costs over "
              f"{sci(s['npv_delivered_flop'])} FLOP delivered, discounted like money: {per_eflop(s.get('usd_per_eflop'))}"
              f", or {per_pflop_day(s.get('usd_per_pflop_day'))}.")
    arch = run.t("architectures")
    if len(arch):
        out = pd.DataFrame({"architecture": [arch_label(a, run.scenario) for a in arch["architecture"]],
                            "id (in the other tables)": arch["architecture"],
                            "present value": arch["npv_cost_usd"].map(money),
                            f"USD per {UNIT}": arch["usd_per_pflop_day"].map(usd),
                            "per accelerator-hour": arch["usd_per_accelerator_hour"].map(
                                lambda x: "n/a" if pd.isna(x) else f"${x:,.2f}")})
        sec.table("Cost per delivered FLOP by architecture", out,
                  note="Shared costs: a trip is split by the tonnes each architecture put on it; a site core and its "
                       "yearly cost by delivered FLOP among the architectures at that site.")
    return sec


def _years(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}-{last}"


def designs_section(run: Run, figdir: Path) -> Section:
    sec = Section("6. Unit design sheets")
    d = run.t("designs")
    if d.empty:
        return sec.p("The plan builds no space units.")
    sec.figure(fig.design_budgets(d, figdir / "design_budgets.png", design_namer(d, run)), "Mass budgets",
               "Mass budget per unit (t).")
    name = design_namer(d, run, sep="; ")
    g = d.groupby(["architecture", "design"], sort=False).agg(units=("units", "sum"), first=("vintage", "min"),
                                                               last=("vintage", "max")).reset_index()
    first = d.drop_duplicates(["architecture", "design"]).set_index(["architecture", "design"], drop=False)
    sheets = {}
    for _, r in g.iterrows():
        x = first.loc[(r["architecture"], r["design"])]
        sheets[name(x)] = {
            "units built": f"{int(r['units'])} ({_years(r['first'], r['last'])})",
            "accelerators per unit": f"{int(x['accelerators_per_unit']):,} (the {x['binding_cap']} cap binds)",
            "IT power / all power": f"{x['it_power_kw_per_unit']:,.0f} / {x['load_kw_per_unit']:,.0f} kW",
            "solar array": f"{x['solar_area_m2_per_unit']:,.0f} m2 (end of life, through eclipse)",
            "battery": f"{x['battery_kwh_per_unit']:,.0f} kWh",
            "radiator": f"{x['radiator_area_m2_per_unit']:,.0f} m2 at {x['radiator_temp_k']:.0f} K",
            "what caps the radiator": f"{x['radiator_cap_part']} limit less the chain drops: {x['radiator_cap_k']:.0f} K"
                                      + ("; runs above it with a heat pump" if x["heat_pump"] else ""),
            "sink, coatings (end of life)": f"{x['sink_temp_k']:.0f} K; emissivity {x['emissivity']:.2f}, "
                                            f"absorptivity {x['absorptivity']:.2f}; {x['net_flux_w_m2']:,.0f} W/m2",
            "shielding": f"{x['shielding_mm_al']:g} mm Al: {x['dose_rad_per_yr']:,.0f} rad(Si)/yr",
            "life": f"{x['design_life_yr']:.1f} years ({x['life_limit']})",
            "mass": f"{x['mass_kg_per_unit'] / 1000:,.1f} t: " + ", ".join(
                f"{c.replace('_kg', '')} {x[c] / 1000:,.1f}" for c in fig.BUDGET_COLS if x[c] > 0.5),
            "stowed volume": f"{x['volume_m3_per_unit']:,.0f} m3",
            "capex per unit": f"${x['capex_usd_per_unit'] / 1e6:,.1f} M",
            **_swap_line(run, d, r),
            "id in tables/designs.csv": f"{r['architecture']} {r['design']}",
        }
    names = list(sheets)
    for i in range(0, len(names), 3):
        chunk = names[i:i + 3]
        frame = pd.DataFrame({"": list(sheets[chunk[0]])} | {n: list(sheets[n].values()) for n in chunk})
        sec.table("Design sheet: one unit of each chosen design" + (" (continued)" if i else ""), frame, small=True,
                  note="" if i + 3 < len(names) else "Areas are panel planform; a two-sided radiator emits from both "
                                                       "faces. Every column is in tables/designs.csv.")
    thermal_chain(sec, d, name)
    return sec


def _entry_label(run: Run, table: str, name: str) -> str:
    return str(catalog_label(run.scenario, table, name) or name.replace("_", " "))


def _unbracketed(label: str) -> str:
    """'LEO 550 km, 53 deg' for 'LEO 550 km, 53 deg (Starlink shell)'."""
    return re.sub(r"\s*\([^)]*\)", "", label).strip()


def _unprojected(label: str) -> str:
    """An accelerator's label without '(projected)': 'Generation 2034', 'Next generation (Rubin class)'."""
    return re.sub(r"\s*\(\)", "", re.sub(r",?\s*projected", "", label)).strip()


def arch_short_names(run: Run, archs) -> dict[str, str]:
    """A short name of each architecture, for a table column or a chart label: 'module at LEO 550 km, 53 deg',
    'station at Earth-Moon L1 halo', a ground campus by its region ('hyperscale campus, grid-connected'). Two
    platforms of one family at one site (the lunar stations) add the rest of their platform's label; the id itself
    where the names still clash."""
    fams = run.families
    short = {}
    for a in dict.fromkeys(str(x) for x in archs):
        platform, _, site = a.partition("@")
        if platform == "ground_campus":
            short[a] = in_prose(_unbracketed(_entry_label(run, "ground_regions", site)))
        else:
            family = fams.get(a) or platform.replace("_", " ")
            short[a] = f"{family} at {in_prose(_unbracketed(_entry_label(run, 'sites', site)))}"
    same = pd.Series(short, dtype=object).duplicated(keep=False)
    for a in same[same].index:
        platform = _entry_label(run, "platforms", a.partition("@")[0])
        short[a] += ", " + (platform.partition(", ")[2] or platform)
    same = pd.Series(short, dtype=object).duplicated(keep=False)
    return {a: a if same[a] else name for a, name in short.items()}


def id_key(names: dict[str, str], csv: str) -> str:
    """The ids behind architectures' short names, once, for a note under a table: 'tables/x.csv names each
    architecture by its id: module at LEO 550 km, 53 deg = starship_module@leo_550_53; ...' ('' when every name is
    its id)."""
    pairs = [f"{name} = {key}" for key, name in names.items() if name != key]
    return f"{csv} names each architecture by its id: {'; '.join(pairs)}." if pairs else ""


def design_namer(d: pd.DataFrame, run: Run, sep: str = "\n"):
    """A design's name from its designs.csv row: its architecture's short name and 'Generation 2034, 340 K
    radiator, 10 mm Al shielding', on two lines for a figure (``sep``; '; ' for a table cell)."""
    short = arch_short_names(run, d["architecture"])

    def name(r) -> str:
        return (f"{short[r['architecture']]}{sep}{_unprojected(_entry_label(run, 'accelerators', r['accelerator']))}, "
                f"{r['radiator_temp_k']:.0f} K radiator, {r['shielding_mm_al']:g} mm Al shielding"
                + _life_choices(r["design"]))
    return name


def _swap_line(run: Run, d: pd.DataFrame, r) -> dict[str, str]:
    """The design sheet's line for a swap design: to what, how many, when and at what cost (its vintages' range)."""
    rows = d[(d["architecture"] == r["architecture"]) & (d["design"] == r["design"])]
    if "swap_year" not in rows or rows["swap_year"].isna().all():
        return {}
    rows = rows.dropna(subset=["swap_year"])
    gens = ", ".join(_unprojected(_entry_label(run, "accelerators", g)) for g in rows["swap_accelerator"].unique())
    n, cost = rows["swap_accelerators_per_unit"], rows["swap_capex_usd_per_unit"] / 1e6
    return {"on-orbit swap": f"in {_years(int(rows['swap_year'].min()), int(rows['swap_year'].max()))} to {gens}: "
                             f"{n.min():,.0f}" + (f"-{n.max():,.0f}" if n.max() > n.min() + 0.5 else "")
                             + f" accelerators per unit, ${cost.min():,.1f}"
                             + (f"-{cost.max():,.1f}" if cost.max() > cost.min() + 0.05 else "")
                             + " M per unit (new accelerators and the swap mission; their launch in the trips)"}


def _life_choices(key: str) -> str:
    """What a design key says of the unit's life beyond its hardware: retired early, accelerators swapped on orbit."""
    out = ""
    for part in str(key).split("/"):
        if part.startswith("retire@"):
            out += f", retired after {part[len('retire@'):-1]} years"
        elif part.startswith("swap@"):
            out += f", accelerators swapped on orbit at {part[len('swap@'):-1]} years"
    return out


def thermal_chain(sec: Section, d: pd.DataFrame, name) -> None:
    """The heat path of each chosen design (``name`` names one from its designs.csv row, as the design sheet
    does): what limits it, and closure at end of life."""
    if "limiting_link" not in d:
        return
    x = d.drop_duplicates(["architecture", "design"])
    cop = x["heat_pump_cop"].map(lambda v: "none" if pd.isna(v) else f"{v:.2f}")
    sec.p("Thermal chain: heat flows chip -> cold plate -> coolant loop -> fin -> panel -> space. The radiator's "
          "temperature is capped by the lower of the chip's junction and HBM limits less the chain's drops (cold "
          "plate, coolant loop, fin), unless a heat pump lifts it at a power cost (COP). Radiators are sized with "
          "end-of-life coatings in the hot case, so closure at end of life (area x net flux / heat - 1) is 0 by "
          "construction and must never be negative; the beginning-of-life margin is the headroom coating drift "
          "uses up.")
    sec.table("Thermal chain of each chosen design", pd.DataFrame({
        "design": [name(r) for _, r in x.iterrows()],
        "limiting link": x["limiting_link"],
        "radiator K (cap, part)": [f"{t:.0f} ({c:.0f}, {p})" for t, c, p in
                                   zip(x["radiator_temp_k"], x["radiator_cap_k"], x["radiator_cap_part"])],
        "chain drops K": x["chain_drop_k"].map(lambda v: f"{v:.0f}"),
        "fin eff.": x["fin_efficiency"].map(lambda v: f"{v:.2f}"),
        "heat-pump COP": cop,
        "emitted / absorbed W/m2": [f"{e:,.0f} / {a:,.0f}" for e, a in zip(x["emitted_w_m2"], x["absorbed_w_m2"])],
        "closure EOL / BOL": [f"{signed_pct(e)} / {signed_pct(b)}" for e, b in zip(x["eol_margin"], x["bol_margin"])],
    }), small=True, note="Limiting link, first match: radiator (its area cap limits accelerators per unit), "
                         "orientation/environment (the environment puts back at least half of what the panel emits), "
                         "coolant (a heat pump lifts above the chip's cap), else the chip part that sets the cap. "
                         "Designs are named as in the design sheet, whose last row gives each one's id.")


def waterfall_section(run: Run, figdir: Path) -> Section:
    from planner.results.waterfall import LABELS, PLAN, sentence

    sec = Section("7. Delivered compute: from installed peak to delivered FLOP")
    w = run.t("waterfall")
    if "waterfall" not in run.tables:
        return sec.p("This run folder has no tables/waterfall.csv (written by an older planner): re-run it.")
    if w.empty:
        return sec.p("The plan delivers nothing.")
    sec.p((run.summary.get("waterfall") or {}).get("largest_loss_sentence") or sentence(w))
    sec.figure(fig.waterfall(w, LABELS, figdir / "waterfall.png"), "Delivered-compute waterfall",
               "Installed peak FLOP/s (accelerators in service x dense peak at each workload's precision) to the "
               "FLOP delivered over the horizon, each factor's loss hatched.")
    scopes = [PLAN] + [a for a in dict.fromkeys(w["scope"]) if a != PLAN]
    delivered = w.groupby("scope")["flop_after"].last()
    scopes = [sc for sc in scopes if sc == PLAN or delivered.get(sc, 0) > 0]
    scopes, left_out = scopes[:6], scopes[6:]  # six columns fit the page; tables/waterfall.csv has every one
    names = {PLAN: PLAN} | arch_short_names(run, [sc for sc in scopes + left_out if sc != PLAN])
    frame = pd.DataFrame({"factor": [LABELS[f] for f in w.loc[w["scope"] == PLAN, "factor"]]})
    for sc in scopes:
        frame[names[sc]] = list(w.loc[w["scope"] == sc, "multiplier"].map(pct))
    peak = w[w["step"] == 1].set_index("scope")["flop_before"]
    totals = pd.DataFrame([{"factor": "installed peak, FLOP", **{names[sc]: sci(peak[sc]) for sc in scopes}},
                           {"factor": "delivered, FLOP", **{names[sc]: sci(delivered[sc]) for sc in scopes}},
                           {"factor": "delivered / peak",
                            **{names[sc]: pct(delivered[sc] / peak[sc]) for sc in scopes}}])
    sec.table("Share each factor keeps, by architecture (FLOP over the horizon, undiscounted)",
              pd.concat([frame, totals], ignore_index=True), small=True,
              note="Factors multiply to delivered / peak; each is the share of the stage before it that it keeps "
                   "(servicing can exceed 100%: repairs return failed accelerators to service). "
                   + (f"Not shown, to fit the page: {'; '.join(names[sc] for sc in left_out)} (the plan column "
                      f"includes them). " if left_out else "")
                   + "tables/waterfall.csv has every architecture and says what the model applies for each. "
                   + id_key(names, "Its scope column"))
    plan = w[w["scope"] == PLAN]
    sec.bullets([f"{LABELS[r.factor]}: {_explanation(r.explanation)}" for r in plan.itertuples()
                 if r.factor in ("power", "thermal", "downlink", "coverage", "utilisation")])
    return sec


def carbon_section(run: Run, figdir: Path) -> Section:
    sec = Section("9. Carbon and water")
    s = run.summary
    go = s.get("ground_only") or {}
    if s.get("co2_kg_per_pflop_day") is None:
        return sec.p("Not computed for this run.")

    sec.p(f"The plan emits **{num(s['co2_kg_per_pflop_day'], 1)} kg CO2 per delivered {UNIT}** and uses "
          f"**{num(s['water_l_per_pflop_day'], 1)} L of site water per {UNIT}** ({num(s['co2_t'] / 1e6, 1)} "
          f"million t CO2 and {num(s['water_m3'] / 1e6, 1)} million m3 over the horizon). The ground-only plan: "
          f"{num(go.get('co2_kg_per_pflop_day'), 1)} kg CO2 and {num(go.get('water_l_per_pflop_day'), 1)} L "
          f"per {UNIT}.")
    em = run.t("emissions")
    sec.figure(fig.emissions(em, figdir / "emissions.png"), "Emissions",
               "Million t CO2 per year by category (the beyond-horizon credit is not drawn).")
    if len(em):
        by = em.groupby("category", sort=False)[["t_co2", "water_m3"]].sum()  # emissions.csv's order
        gob = go.get("co2_t_by_category") or {}
        out = pd.DataFrame({"category": [category_words(c) for c in by.index],
                            "plan, t CO2": by["t_co2"].map(lambda x: num(x)),
                            "ground only, t CO2": [num(gob.get(k, 0.0)) for k in by.index],
                            "plan, site water m3": by["water_m3"].map(lambda x: num(x))})
        sec.table("Emissions by category over the horizon", out,
                  note="The beyond-horizon credit is the share of manufacturing and launch emissions whose asset "
                       "keeps delivering after the horizon (like the residual-value credit of capital).")
    price, cap = s.get("carbon_price_usd_per_t") or 0, s.get("carbon_cap_t_per_yr")
    costs = run.t("costs")
    paid = float(costs.loc[costs["category"] == "carbon", "usd_discounted"].sum()) if len(costs) else 0.0
    sec.p((f"The scenario's carbon price ({value_text(price)} USD/t CO2) is paid through the plan's cost flows "
           f"({category_words('carbon')}: {money(paid)} present value)" if price else
           "The scenario's carbon price is zero: emissions cost the plan nothing")
          + (f"; emissions are capped at {value_text(cap)} t CO2 a year (a model constraint)." if cap is not None
             else "; the scenario sets no cap on emissions."))
    sec.p("Counted: combustion CO2 of every flight (tankers included), manufacturing of accelerators (space and "
          "ground, replacements included), of spacecraft hardware and site cores per kg, and of ground facilities per "
          "MW, and grid electricity (IT x PUE x the region's CO2 per kWh). Site water follows the IT energy of ground "
          "campuses; space units need none. Not counted: N2O, soot and alumina from rockets, methane leakage, "
          "building launch vehicles, the facilities already operating at the start (sunk), and water used to "
          "generate electricity or make chips. The embodied factors are "
          "order of magnitude (their confidence is in the catalog table, section 13).")
    return sec


def workloads_section(run: Run, figdir: Path) -> Section:
    sec = Section("8. Workloads")
    alloc = run.t("allocation")
    sec.figure(fig.workloads(alloc, run.families, figdir / "workloads.png",
                             lambda w: workload_label(w, run.scenario)), "Workloads",
               "Share of each workload's delivered FLOP by family.")
    if len(alloc):
        g = alloc.groupby(["workload", "architecture"]).agg(flop=("flop", "sum"), rtt=("site_rtt_ms", "first"),
                                                             limit=("latency_limit_ms", "first")).reset_index()
        g["share"] = g["flop"] / g.groupby("workload")["flop"].transform("sum")
        g = g.sort_values(["workload", "share"], ascending=[True, False], kind="stable")  # largest share first
        names = arch_short_names(run, sorted(set(g["architecture"])))
        out = pd.DataFrame({"workload": g["workload"].map(lambda w: workload_label(w, run.scenario)),
                            "architecture": g["architecture"].map(names), "share": g["share"].map(pct),
                            "site RTT ms": g["rtt"].map(lambda x: num(x, 1)),
                            "limit ms": g["limit"].map(lambda x: num(x))})
        sec.table("Which workload runs where, with each site's round trip against the limit", out,
                  note=id_key(names, "tables/allocation.csv"))
    return sec


def _explanation(text: str) -> str:
    """tables/waterfall.csv writes '1: why' for a factor that keeps everything; say it in words."""
    return "keeps 100%: " + text[3:] if str(text).startswith("1: ") else str(text)


def cap_in_use(run: Run, constraint: str, index: str) -> bool | None:
    """Whether the thing a binding cap limits is used by the plan at all (None: cannot tell).

    A cap on an option the plan leaves at zero (a ground region with no MW, a route not flown that year) can
    carry a large shadow price: it is what the first free MW or tonne there would be worth, not a limit the
    plan runs into.
    """
    parts = str(index).split("|")
    name = parts[0]
    year = next((int(p) for p in parts[1:] if p.isdigit() and len(p) == 4), None)
    ground, la, fleet = run.t("ground"), run.t("launches"), run.t("fleet")
    if constraint in ("power", "interconnect") and len(ground):
        g = ground[ground["region"] == name]
        if g.empty:
            return None
        if constraint == "power" and year is not None:
            g = g[g["year"] == year]
        return bool(g["facility_mw"].max() > 1e-6) if len(g) else None
    if constraint in ("route_mass", "route_volume_row", "cadence_row") and len(la):
        vehicle = name.split(">")[0]
        sel = la[(la["vehicle"] == vehicle) & ((la["year"] == year) if year is not None else True)]
        return bool(sel["trips"].sum() > 1e-6)
    if constraint == "bandwidth" and "fleet" in run.tables:  # no fleet rows there: the plan builds none
        sel = fleet[(fleet["architecture"] == name) & ((fleet["year"] == year) if year is not None else True)] \
            if len(fleet) else fleet
        return bool(len(sel) and sel["units_in_service"].sum() > 1e-6)
    return None


def name_words(run: Run, name: str) -> str:
    """A catalog name as a sentence says it: an architecture, ground region, site, launch vehicle, accelerator or
    workload by its label; the name itself when the catalog has no label for it."""
    name = str(name)
    if "@" in name:
        return arch_in_prose(name, run.scenario)
    if name in ((run.scenario or {}).get("workloads") or {}):
        return f"\u201c{workload_label(name, run.scenario)}\u201d"
    for table, described in (("ground_regions", True), ("sites", False), ("launch_vehicles", False),
                             ("accelerators", False)):
        label = catalog_label(run.scenario, table, name)
        if label:
            return f"the {in_prose(label)}" if described else label
    return name


def cap_words(run: Run, constraint: str, index: str, meaning: str) -> str:
    """A constraint's meaning with its catalog names in words: 'facility power at the hyperscale campus,
    grid-connected (US average) in 2032', not 'facility power at us_grid in 2032'."""
    from planner.solver.explain import MEANINGS

    parts = str(index).split("|")
    template = (MEANINGS.get(constraint) or (None,))[0]
    if constraint in ("route_mass", "route_volume_row") and ">" in parts[0]:
        vehicle, _, site = parts[0].partition(">")
        what = "payload" if constraint == "route_mass" else "stowed volume"
        return f"{what} of {name_words(run, vehicle)} trips to {name_words(run, site)} in {', '.join(parts[1:])}"
    if constraint == "shell" and len(parts) >= 2:
        return f"satellites in the orbital shell {name_words(run, parts[0])} in {parts[1]}"
    if template is None:
        return str(meaning)
    try:
        return template.format(*(name_words(run, p) for p in parts))
    except (IndexError, KeyError):
        return str(meaning)


def _decision_words(run: Run, decision: str) -> str:
    """'one more unit of the compute module ..., Earth-Moon L2 halo (station_module@eml2, design gen_2034/340K/10mm)
    in 2045' for 'one more station_module@eml2 unit (gen_2034/340K/10mm) in 2045': words, the ids as a key."""
    m = re.fullmatch(r"one (more|fewer) (\S+@\S+) unit \(([^)]*)\) in (\d{4})", str(decision))
    if m:
        more, arch, design, year = m.groups()
        return f"one {more} unit of {arch_in_prose(arch, run.scenario)} ({arch}, design {design}) in {year}"
    m = re.fullmatch(r"one more (\S+) flight in (\d{4})", str(decision))
    if m:
        return f"one more {name_words(run, m.group(1))} flight in {m.group(2)}"
    return str(decision)


def _arch_with_id(run: Run, names) -> str:
    """'Compute module ..., Earth-Moon L1 halo (station_module@eml1)' for each of a comma-separated list of ids."""
    out = []
    for a in (x.strip() for x in str(names).split(",") if x.strip()):
        label = arch_label(a, run.scenario)
        out.append(a if label == a else f"{label} ({a})")
    return ", ".join(out)


def binds_section(run: Run, figdir: Path) -> Section:
    sec = Section("10. What binds")
    sec.p("Shadow prices come from the linear program with every integer decision (units, trips, site openings) "
          "fixed at the plan's values: they are conditional on the chosen architecture. A negative price on a cap "
          "means raising the cap by one unit would lower the plan's present-value cost by that much.")
    cons = run.t("constraints")
    if len(cons):
        used, unused = binding_caps(run)
        used = used.head(12)
        if len(used):
            sec.table("Binding caps the plan runs into, largest shadow prices first", pd.DataFrame({
                "constraint": used["meaning"], "shadow price": _shadow(used)}))
        if len(unused):
            sec.p(f"{len(unused)} binding caps are on options the plan does not use at all (a ground region with "
                  f"no MW that year, a route not flown that year). Their shadow price is what the first free MW or "
                  f"tonne there would be worth, not a limit the plan runs into: they are listed in the appendix.")
        bal = cons[cons["constraint"] == "balance"].copy()
        if len(bal):
            bal[["workload", "year"]] = bal["index"].str.split("|", expand=True)
            bal = bal[bal["year"].astype(int) % 3 == int(bal["year"].astype(int).min()) % 3]
            piv = bal.pivot_table(index="year", columns="workload", values="shadow_price", aggfunc="first")
            out = piv.map(lambda x: "no demand" if _missing(x) else money(x))
            out.columns = [workload_label(w, run.scenario) for w in out.columns]
            out = out.reset_index()
            sec.table("Marginal cost of one more EFLOP/s of demand in a year (present value, every third year)", out,
                      note="'no demand': the workload has no demand that year.")
    mv = run.a("marginal_values")
    if len(mv):
        def change(r):
            if not _missing(r["change_usd"]):
                return money(r["change_usd"])
            status = str(r.get("status") or "no result")
            if status == "infeasible" and str(r["decision"]).startswith("one fewer"):
                return "infeasible: demand cannot be met without this unit"
            if status == "infeasible":
                return "infeasible"
            return status
        sec.table("Value of one integer decision, from re-solves", pd.DataFrame({
            "decision": [_decision_words(run, d) for d in mv["decision"]],
            "change of plan cost": [change(r) for _, r in mv.iterrows()],
            "how": mv["method"]}))
    alt = run.a("alternatives")
    if len(alt):
        ok = alt["status"].isin(["optimal", "time_limit"]) if "status" in alt else pd.Series(True, index=alt.index)
        sec.table("Near-optimal alternatives", pd.DataFrame({
            "best plan without": alt["without"].map(lambda a: _arch_with_id(run, a)),
            f"USD per {UNIT}": [usd(x) if o else str(st) for x, o, st in
                                zip(alt["usd_per_pflop_day"], ok, alt.get("status", ok))],
            "change": [signed_pct(x) if o else "" for x, o in zip(alt["change"], ok)],
            "uses instead": [_arch_with_id(run, a) for a in alt["space_architectures"].astype(object).fillna("")]}),
            note="Ties: among plans of equal cost the model prefers fewer units and launches, then architectures "
                 "listed earlier in the catalog; alternatives within the MIP gap are as good as the plan.")
    return sec


def binding_caps(run: Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The binding caps with their meaning in words, largest shadow price first: (those on options the plan uses
    or may use, those on options it does not use at all)."""
    from planner.solver.explain import CAPS

    cons = run.t("constraints")
    if not len(cons):
        return cons, cons
    caps = cons[cons["constraint"].isin(list(CAPS))].copy()
    if caps.empty:
        caps = cons[~cons["constraint"].isin(["balance"])].copy()
    caps["in_use"] = [cap_in_use(run, c, i) for c, i in zip(caps["constraint"], caps["index"])]
    caps["meaning"] = [cap_words(run, c, i, m) for c, i, m in zip(caps["constraint"], caps["index"], caps["meaning"])]
    caps = caps.reindex(caps["shadow_price"].abs().sort_values(ascending=False).index)
    unused = caps["in_use"].map(lambda u: u is False)  # None (cannot tell) counts as in use
    return caps[~unused], caps[unused]


def _shadow(frame: pd.DataFrame) -> pd.Series:
    return frame["shadow_price"].map(money) + " per " + frame["unit"].str.replace("USD per ", "", regex=False)


def unused_caps_appendix(run: Run) -> Section | None:
    """Appendix: the shadow prices of caps on options the plan does not use (section 10 only counts them)."""
    _, unused = binding_caps(run)
    if not len(unused):
        return None
    sec = Section("Appendix. Shadow prices of options the plan does not use")
    sec.p("Caps that bind on options the plan leaves at zero (a ground region with no MW that year, a route not "
          "flown that year). Each price is what the first free MW or tonne there would be worth to this plan, not "
          "a limit it runs into.")
    sec.table("Binding caps on unused options, largest shadow prices first", pd.DataFrame({
        "constraint": unused["meaning"], "shadow price": _shadow(unused)}), small=True)
    return sec


def _break_even_flat(be: pd.DataFrame, info: dict) -> str:
    """One sentence when no tested launch price changes the answer (no space, same cost everywhere); else ''."""
    if be is None or be.empty or info.get("factor") is not None:
        return ""
    ok = be[be["status"].isin(["optimal", "time_limit"])]
    if ok.empty or len(ok) < len(be):
        return ""
    cost = ok["usd_per_pflop_day"]
    if (ok["space_share"].fillna(0) > 1e-6).any() or cost.max() - cost.min() > 1e-4 * abs(cost.mean()):
        return ""
    return (f"at every tested launch price, from {ok['launch_price_factor'].min():g}x to "
            f"{ok['launch_price_factor'].max():g}x the scenario's, the best plan for the Earth demand uses no space "
            f"and costs {per_pflop_day(cost.mean())}, the same as the ground alone: launch price is not what keeps "
            f"space out (section 11).")


def break_even_section(run: Run, figdir: Path) -> Section:
    sec = Section("11. Break-even launch price")
    be = run.a("break_even")
    info = (run.summary.get("analysis") or {}).get("break_even") or {}
    if be.empty:
        return sec.p("Not computed for this run (run with --analysis quick or full).")
    tol, asked = info.get("tolerance_usd"), info.get("asked_gap")
    run_gap = ((run.summary.get("solver") or {}).get("options") or {}).get("mip_gap")
    stop = ""
    if asked is not None:
        stop = f" These re-solves stop at a {pct(asked, 1)} MIP gap" + (
            f" (the plan itself: {pct(run_gap, 1)})" if run_gap is not None else "")
        stop += (f"; a saving counts only above what a row's two solves prove, their gaps (at most {money(tol)} "
                 "here)." if tol else "; all of them were proven optimal, so every saving counts.")
    sec.p("Every launch price of the scenario is multiplied by a factor and the plan re-solved for the demand the "
          "ground can serve, with and without space. Savings from space can only fall as launches get dearer."
          + stop)
    flat = _break_even_flat(be, info)
    if flat:
        sec.p("Result: " + flat[0].upper() + flat[1:].replace(" (section 11)", ""))
    else:
        sec.figure(fig.break_even(be, figdir / "break_even.png"), "Break-even",
                   "Cost per delivered FLOP of the Earth-servable demand against the launch-price multiplier.")
        sec.p(f"Result: {info.get('meaning', 'n/a')}.")
        if info.get("usd_per_kg_by_year"):
            yrs = info["usd_per_kg_by_year"]
            shown = {y: v for i, (y, v) in enumerate(sorted(yrs.items(), key=lambda kv: int(kv[0]))) if i % 3 == 0}
            sec.p(f"At that multiplier {info.get('vehicle')} costs " + ", ".join(
                f"${v:,.0f}/kg in {y}" for y, v in shown.items()) + ".")
        out = pd.DataFrame({"launch price x": be["launch_price_factor"].map(lambda x: f"{x:g}"),
                            f"with space, USD per {UNIT}": be["usd_per_pflop_day"].map(usd),
                            f"ground only, USD per {UNIT}": be["ground_usd_per_pflop_day"].map(usd),
                            "savings": be["savings_usd"].map(money), "space share": be["space_share"].map(pct)})
        sec.table("Re-solves by launch-price multiplier", out)
    not_servable = (run.summary.get("ground_only") or {}).get("not_servable_workloads") or []
    if not_servable:
        names = ", ".join(f"\u201c{workload_label(w, run.scenario)}\u201d" for w in not_servable)
        sec.p(f"These re-solves leave out {names}, the demand only space can serve, so a space site "
              f"must pay its whole core for Earth work alone. In the full plan that site is open anyway, so sweeps "
              f"that re-optimise the whole scenario at very low launch prices can show space taking Earth work that "
              f"this test does not.")
    split = _space_cost_split(run)
    if split:
        sec.p(split)
    return sec


def _space_cost_split(run: Run) -> str:
    """Where the space architectures' money goes: launch against the rest (what keeps space dear)."""
    arch, costs = run.t("architectures"), run.t("costs")
    if arch.empty or costs.empty:
        return ""
    space_pv = float(arch.loc[arch["family"] != "ground", "npv_cost_usd"].sum())
    if space_pv <= 0:
        return ""
    by = costs.groupby("category")["usd_discounted"].sum()
    launch = float(by.get("launch", 0.0) + by.get("propellant", 0.0))
    site = float(by.get("site_fixed", 0.0) + by.get("site_opex", 0.0))
    return (f"What keeps space dear in this plan is not launch: of the {money(space_pv)} present value of its space "
            f"architectures, launch (with propellant) is {money(launch)} ({pct(launch / space_pv, 0)}) and site "
            f"cores with their operations {money(site)} ({pct(site / space_pv, 0)}); the rest is the units "
            f"themselves (accelerators, bus, arrays, radiators, shielding, financing). Section 2 compares one unit "
            f"without its site core." if launch < 0.5 * space_pv else
            f"Launch (with propellant) is {money(launch)} ({pct(launch / space_pv, 0)}) of the "
            f"{money(space_pv)} present value of the plan's space architectures; site cores {money(site)}.")


def assumptions_section(run: Run) -> Section:
    sec = Section("13. Assumptions")
    an = run.summary.get("analysis") or {}
    drivers = run.a("cost_drivers")
    if an.get("assumption_cost_share") is not None:
        sec.p(f"{pct(an['assumption_cost_share'])} of the plan's present-value cost is priced by catalog values that "
              f"are our own assumptions (no published figure); the rest rests on measured, vendor or published "
              f"figures.")
    da = run.a("decisive_assumptions")
    if len(da):
        sec.figure(fig.tornado(da.assign(path=da["path"].map(lambda x: path_label(x, run.scenario))),
                               run.dir / "figures" / "tornado.png"), "Decisive assumptions",
                   "Change of cost per FLOP when one value moves to its catalog low or high, all else at base.")
        sec.table("One-at-a-time re-solves", pd.DataFrame({
            "value": da["path"].map(lambda x: path_label(x, run.scenario)), "catalog path": da["path"],
            "confidence": da["confidence"], "low": [value_text(x, u) for x, u in zip(da["low_value"], da["unit"])],
            "base": [value_text(x, u) for x, u in zip(da["value"], da["unit"])],
            "high": [value_text(x, u) for x, u in zip(da["high_value"], da["unit"])],
            "at low": _changes(da, "low"), "at high": _changes(da, "high")}), small=True,
            note="at low / at high: change of the plan's cost per FLOP with the value at its catalog low or high, "
                 "everything else at base.")
    if len(drivers):
        d = drivers.head(15)
        sec.table("The values that price the plan's cost", pd.DataFrame({
            "value": d["driver"].map(lambda x: path_label(x, run.scenario)), "catalog path": d["driver"],
            "confidence": d["confidence"], "present value": d["pv_usd"].map(money),
            "share": d["share"].map(pct)}))
    ground_variants(sec, run)
    rows = catalog_rows(run.scenario)
    if rows is not None and len(rows):
        n_ass = int((rows["confidence"] == "our assumption").sum())
        sec.p(f"Every catalog value this scenario can use ({len(rows)} values, {n_ass} of them our assumptions) is "
              f"listed in the appendix with its unit, source and confidence.")
    sc = run.scenario
    sec.table("Scenario settings", pd.DataFrame([
        {"setting": "horizon", "value": f"{sc['horizon']['first_year']}-{sc['horizon']['last_year']} step "
                                        f"{sc['horizon']['step_years']}"},
        {"setting": "money", "value": f"base year {sc['money']['base_year']}, discount rate "
                                      f"{sc['money']['discount_rate']:.1%}, risk premium "
                                      f"{_risk_premium(sc['money'].get('risk_premium'))}, capital accounting "
                                      f"{sc['money']['capital_accounting']}"},
        {"setting": "objective", "value": _objective_text(sc.get("objective") or {})},
        {"setting": "unmet demand", "value": _unmet_text(sc.get("unmet") or {})},
        {"setting": "architectures", "value": _architectures_text(sc.get("architectures") or {})},
    ] + [{"setting": f"workload {k}", "value": f"{safe_text(v['label'])}: {v['precision']}, latency {qty(v['latency_limit_ms'])} "
                                               f"ms, {qty(v['bits_per_flop'])} bit/FLOP, cluster >= "
                                               f"{qty(v['min_cluster_accelerators'])} accelerators, demand "
                                               f"{_demand_text(v)}; {v.get('source', '')}"}
         for k, v in sc["workloads"].items()]), small=True)
    return sec


def _changes(da: pd.DataFrame, end: str) -> list[str]:
    """Signed change of cost per FLOP at one end of a range, or why there is none (an infeasible re-solve)."""
    status = da[f"{end}_status"] if f"{end}_status" in da else pd.Series([None] * len(da), index=da.index)
    return [signed_pct(x) if not _missing(x) else (str(st) if isinstance(st, str) and st else "n/a")
            for x, st in zip(da[f"{end}_change"], status)]


def _risk_premium(rp) -> str:
    return ", ".join(f"{k} {pct(v)}" for k, v in rp.items()) if isinstance(rp, dict) and rp else readable(rp)


def _objective_text(o: dict) -> str:
    if o.get("mode") == "ratio":
        return (f"ratio: serve the share of demand between {qty(o.get('theta_min'))}x and {qty(o.get('theta_max'))}x "
                f"that gives the lowest cost per FLOP (Dinkelbach, tolerance {qty(o.get('dinkelbach_tolerance'))}, at "
                f"most {qty(o.get('max_iterations'))} iterations)")
    return "demand: serve every workload's demand at the lowest present-value cost"


def _unmet_text(u: dict) -> str:
    if not u.get("allowed"):
        return "not allowed: every workload's demand must be met"
    who = readable(u.get("workloads")) if u.get("workloads") else "every workload"
    return f"allowed for {who} at a penalty of ${qty(u.get('penalty_usd_per_pflop_day'))} per {UNIT}"


def _architectures_text(a: dict) -> str:
    allow = a.get("allow") or ["*"]
    return (f"allow {'all (*)' if allow == ['*'] else readable(allow)}; "
            f"deny {readable(a.get('deny')) if a.get('deny') else 'none'}")


def _demand_text(v: dict) -> str:
    g = v.get("growth")
    if isinstance(g, dict):
        rate = g.get("growth_per_yr")
        rate_text = (", ".join(f"{pct(x, 0)} ({y})" for y, x in sorted(rate.items(), key=lambda kv: int(kv[0])))
                     + ", linear between those years" if isinstance(rate, dict) else
                     pct(rate, 0) if isinstance(rate, (int, float)) else readable(rate))
        return f"{qty(g.get('start_eflop_per_s'))} EFLOP/s in {g.get('start_year')}, growth per year {rate_text}"
    d = v.get("demand_eflop_per_s")
    return (readable(d) + " EFLOP/s") if d is not None else "none"


def appendix_section(run: Run) -> Section | None:
    rows = catalog_rows(run.scenario)
    if rows is None or not len(rows):
        return None
    sec = Section("Appendix. Catalog values used")
    n_ass = int((rows["confidence"] == "our assumption").sum())
    sec.p(f"Every catalog value this scenario can use ({len(rows)} values, {n_ass} of them our assumptions, "
          f"marked *) with its unit, source and confidence; scenario.resolved.yaml holds the same with the full "
          f"source list.")
    sec.table("Catalog values used", rows, small=True,
              note=f"ground_regions.*.utilisation is {GROUND_DRAW_WORDS}." if rows["catalog value"].str.endswith(
                  ".utilisation").any() else "")
    return sec


def ground_variants(sec: Section, run: Run) -> None:
    """The ground baselines this scenario allows: the same ones the optimiser and the ground-only plan use."""
    regions = (run.scenario.get("resolved_catalog") or {}).get("ground_regions") or {}
    if not regions:
        return

    def v(entry, field, fmt="{:g}"):
        q = entry.get(field) or {}
        return "" if "value" not in q else (value_text(q["value"]) if isinstance(q["value"], dict)
                                            else fmt.format(q["value"]))

    sec.p("Ground baselines. Each ground variant is an architecture of its own (a ground campus in one region; "
          "ground_campus@<region> in the tables). A scenario lists the architectures it allows and those it denies, "
          "so it can keep, say, only the campus with behind-the-meter gas turbines as the ground; the optimiser and "
          "the ground-only comparison use exactly the variants allowed. Owned campuses pay facility capex per MW "
          "(with opex as a share of it); colocation pays a lease per MW-year instead; on-site gas carries its "
          "plant in the capex and fuel in the energy price; renewables plus storage buy firmed power at a PPA "
          "price with low life-cycle CO2; a grid-constrained hub waits longer in the interconnect queue and "
          "connects fewer MW a year.")
    sec.table("Ground variants this scenario allows", pd.DataFrame([{
        "variant": name, "what": safe_text(e.get("label", "")),
        "capex $M/MW": v(e, "facility_capex_musd_per_mw"), "lease $M/MW-yr": v(e, "lease_musd_per_mw_yr"),
        "energy $/kWh": v(e, "energy_usd_per_kwh"), "PUE": v(e, "pue"),
        "queue + build yr": f"{v(e, 'queue_yr')} + {v(e, 'construction_yr')}",
        "new grid MW/yr": v(e, "grid_mw_per_yr"), "average draw": v(e, "utilisation", "{:.0%}"),
        "kg CO2/kWh": v(e, "grid_co2_kg_per_kwh"), "L water/kWh": v(e, "water_l_per_kwh")}
        for name, e in regions.items()]), small=True,
        note=f"Average draw (catalog ground_regions.*.utilisation): {GROUND_DRAW_WORDS}. Values and sources are in "
             f"the catalog table below (ground_regions.*).")


def catalog_rows(scenario: dict) -> pd.DataFrame | None:
    cat = scenario.get("resolved_catalog")
    if not cat:
        return None
    rows = []

    def walk(prefix: str, node):
        if isinstance(node, dict) and "value" in node and "unit" in node:
            unit = node["unit"]
            val = value_text(node["value"], unit)
            rng = ""
            if node.get("low") is not None or node.get("high") is not None:
                rng = f"{value_text(node.get('low'), unit)} / {value_text(node.get('high'), unit)}"
            rows.append({"": "*" if node.get("confidence") == "our assumption" else "", "value": prefix,
                         "base": val, "range": rng, "unit": node["unit"], "confidence": node["confidence"],
                         "source": node["source"]})
        elif isinstance(node, dict):
            for k, x in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)

    for table in ("accelerators", "launch_vehicles", "sites", "platforms", "components", "ground_regions"):
        walk(table, cat.get(table, {}))
    return pd.DataFrame(rows).rename(columns={"value": "catalog value"}) if rows else None


KNOWN_LIMITS = [
    "A workload's cluster must be held by the units at its site only in proportion: a formation half the size of "
    "its cluster may serve half of that workload's demand there (all or nothing would take a binary per workload, "
    "site and year). Leans toward space, where training runs on units smaller than its cluster.",
    "Site cores and the ground's existing campuses do not retire: a core's life outlasts the bundled horizons, and "
    "the existing campuses stay in service to the end. Mixed: cores that never retire lean toward space, existing "
    "campuses that cost only their operations toward the ground.",
    "Traffic to users on the Moon has no link limit; it stays below a station's link to Earth in the bundled "
    "scenarios. Leans toward space.",
    "With steps of more than one year (not in a yearly run), a period's launches are priced at its first year "
    "(the dearest, as prices fall: against space), and a ground build that becomes possible inside a period waits "
    "for the next one (against the ground).",
]


def _annuity(rate: float, years: float) -> float:
    n = max(1, round(years))
    return 1.0 / n if rate == 0 else rate / (1.0 - (1.0 + rate) ** -n)


def not_modelled_section(run: Run) -> Section:
    """What the plan leaves out entirely, each with the way it would move the answer and a rough size: from this
    run's own numbers where they give one, else from the cited public record."""
    s = run.summary
    sec = Section("14. What this plan does not model")
    sec.p("The plan prices what the catalog can price. These risks and rules are outside it; none is in the cost "
          "per FLOP above. Each says which way it would move the answer (space against ground) and roughly how "
          "far.")
    money_ = run.scenario.get("money") or {}
    premium = money_.get("risk_premium") or {}
    base = float(money_.get("discount_rate") or 0.0)
    d = run.t("designs")
    life = float(d["design_life_yr"].median()) if len(d) else 5.0
    space_rate = base + max([v for k, v in premium.items() if k != "ground"] or [0.0])
    step = _annuity(space_rate + 0.01, life) / _annuity(space_rate, life) - 1.0
    arch = run.t("architectures")
    space = arch[arch["family"] != "ground"] if len(arch) else arch
    top = space.loc[space["npv_cost_usd"].idxmax(), "architecture"] if len(space) else ""
    biggest = (f" In this plan the largest space architecture ({top}) costs {money(space['npv_cost_usd'].max())} "
               f"in present value, {pct(space['npv_cost_usd'].max() / s['npv_cost_usd'])} of the plan: a total loss of it once "
               f"would cost up to that again." if len(space) and s.get("npv_cost_usd") else "")
    items = [
        ("Tail risk",
         "The plan counts expected failures (accelerator failure rates, dose, insurance in the launch and hardware "
         "prices), not correlated losses: a launch failure with a whole module aboard, a debris event or a solar "
         "storm that takes a station out, a grounding of the launch fleet after an accident (Starship's test "
         "flights of 2023-2025 included several vehicle losses). On the ground the matching risks (a grid outage, "
         "a heat wave) hit one region of several.",
         "Against space, most for stations and modules, which concentrate capital in one place." + biggest),
        ("Regulation",
         "Launch licences and their environmental reviews cap cadence (the FAA's 2025 review of Starbase allows up "
         "to 25 Starship launches a year there); the FCC's 2022 five-year rule requires low-Earth-orbit "
         "satellites to deorbit within five years of mission end (FCC 22-74); on the ground, grid interconnection "
         "queues (a median of about five years from request to operation for projects built in 2023: Lawrence "
         "Berkeley National Laboratory, Queued Up, 2024 edition) and local permits or moratoria on data centres.",
         "Both ways. The catalog's launch cadence and the ground's queue and build years carry the central case; "
         "a cadence held at today's licence would keep space small in the 2020s, a longer queue would raise the "
         "ground's marginal cost (section 2)."),
        ("Spectrum",
         "Radio downlinks need ITU coordination and national licences, and a non-geostationary system must deploy "
         "on the ITU's milestones (10 %, 50 % and 100 % of its filed satellites within 2, 5 and 7 years after its "
         "regulatory period ends: Resolution 35, WRC-19); optical terminals need clear-sky ground stations. "
         "The plan limits downlink by terminal capacity only.",
         "Against space for workloads whose users are on Earth and need data back (inference), little for "
         "training, whose data in and out is small next to its compute."),
        ("Export control",
         "Advanced accelerators are export-controlled (US BIS rules of October 2022 and October 2023, ECCN 3A090 "
         "and 4A090), and so are spacecraft and their parts (ECCN 9A515, or the US Munitions List). Who may own, "
         "operate or use a unit, and from where, is not in the plan.",
         "Mostly against space operated across borders and against ground campuses in regions with cheap power "
         "but restricted access to accelerators; no effect for a US operator serving US demand."),
        ("Financing detail",
         "Each family's capital is financed at the scenario's discount rate plus its risk premium, paid back over "
         "the asset's life. Debt and equity, taxes and depreciation, tax credits for the ground's power, "
         "interest during construction and covenants are not modelled.",
         f"Toward the ground where they differ: established asset classes borrow more cheaply and deduct "
         f"depreciation. One percentage point more on the space families' cost of capital "
         f"({pct(space_rate, 0)} now) raises a space unit's capital charge by about {pct(step, 1)} (an annuity over "
         f"a {life:g}-year life)."),
    ]
    sec.table("Outside the plan, and how each would move the answer", pd.DataFrame(
        [{"what": what, "left out": left, "would move the answer": move} for what, left, move in items]), small=True)
    return sec


def _formulation() -> list[tuple[Any, str, str]]:
    """The model's blocks in the method section: module (its docstring is the formulation), title, and one
    sentence saying in plain words what the block does."""
    from planner.model import carbon, demand, fleet, ground, launch, objective

    return [
        (fleet, "Space units, sites and shells",
         "The plan buys whole space units each year, may repair some of them, opens a site once before placing "
         "units there, and keeps each orbital shell within the satellites it can hold."),
        (launch, "Launch",
         "Everything built for space rides on whole launches, each carrying no more than its vehicle's payload and "
         "volume, with no more flights a year than the vehicle's cadence allows."),
        (ground, "Ground",
         "Ground campuses add facility power only as fast as each region's grid connection allows, and fill it "
         "with accelerators bought separately and refreshed as they age."),
        (demand, "Demand, capacity and bandwidth",
         "Every workload's demand is served (or, where the scenario allows, left unmet at a penalty) by units and "
         "campuses with enough accelerators in large enough clusters, over its users for real-time work, and with "
         "downlink enough for its data."),
        (carbon, "Carbon cap",
         "When the scenario caps emissions, the CO2 from building, launching and running everything in a year stays "
         "under the cap."),
        (objective, "Objective",
         "The plan chosen is the one with the lowest present value of all its costs (in ratio mode, the lowest "
         "cost per FLOP delivered)."),
    ]


def method_section(run: Run) -> Section:
    s = run.summary
    sec = Section("15. Method")
    sec.p("A mixed-integer linear program (Pyomo, solved with HiGHS) chooses, for every year of the horizon, the "
          "integer number of units of each architecture and design (accelerator x radiator temperature x "
          "shielding), the integer launches per route, the opening of site cores (binary), ground facility MW and "
          "accelerators (continuous, separate stocks) and where each workload runs, minimising the present value of "
          "all costs with demand met (mode demand) or cost per FLOP over a demand scale (mode ratio, Dinkelbach). "
          "Unit sizes come from physics computed before the model (power through eclipse at end of life, radiators "
          "at end-of-life coatings in the hot case, dose behind shielding, drag make-up, the rocket equation).")
    sec.p(run.explanations.get("perfect_foresight", ""))
    sec.p("What the model leaves out, and which way each leans:")
    sec.bullets(KNOWN_LIMITS)
    sec.p("The formulation, block by block as the code states it, each with what it does in words:")
    rows = (s.get("model_size") or {}).get("constraints_by_block", {})
    for module, title, lead in _formulation():
        doc = (module.__doc__ or "").strip()
        sec.p(f"**{title}** (planner/model/{module.__name__.split('.')[-1]}.py). {lead}")
        sec.blocks.append(("code", doc))
    if rows:
        sec.table("Rows of this run's model by constraint block", pd.DataFrame(
            {"block": list(rows), "rows": [num(v) for v in rows.values()]}), small=True)
    size = s.get("model_size") or {}
    solver = s.get("solver") or {}
    t = s.get("timings_s") or {}
    sec.table("This run", pd.DataFrame([
        {"item": "status", "value": f"{s.get('status')} (MIP gap {pct(s.get('mip_gap'), 3)})"},
        {"item": "solver", "value": f"{solver.get('name')} {solver.get('version')} via {solver.get('interface')}; "
                                    f"{_solver_options(solver.get('options') or {})}"},
        {"item": "model size", "value": f"{num(size.get('variables'))} variables ({num(size.get('integer_variables'))} "
                                        f"integer, {num(size.get('binary_variables'))} binary), "
                                        f"{num(size.get('constraints'))} constraints, {num(size.get('nonzeros'))} "
                                        f"nonzeros"},
        {"item": "timings", "value": ", ".join(f"{k.replace('_', ' ')} {v:.2f} s" for k, v in t.items())
                                     + _solve_time_note(s)},
        {"item": "planner version", "value": str(s.get("planner_version"))},
        {"item": "scenario sha256", "value": str(s.get("scenario_sha256"))},
    ]))
    dropped = run.t("dropped_designs")
    if len(dropped):
        sec.p(f"{len(dropped)} designs were left out before solving because they cannot work (tables/"
              f"dropped_designs.csv), e.g. " + "; ".join(f"{r.architecture} {r.design}: {r.reason}"
                                                        for r in dropped.head(3).itertuples()) + ".")
    return sec


def _solver_options(o: dict) -> str:
    parts = []
    if o.get("time_limit_s") is not None:
        parts.append(f"time limit {qty(o['time_limit_s'])} s")
    if o.get("mip_gap") is not None:
        parts.append(f"MIP gap target {pct(o['mip_gap'], 2)}")
    if "threads" in o:
        parts.append(f"threads {o['threads']}" + (" (HiGHS chooses)" if o["threads"] in (0, None) else ""))
    if "seed" in o:
        parts.append(f"seed {o['seed']}")
    rest = {k: v for k, v in o.items() if k not in ("time_limit_s", "mip_gap", "threads", "seed")}
    return ", ".join(parts + ([readable(rest)] if rest else [])) or "defaults"


def _solve_time_note(s: dict) -> str:
    """Why 'solve' can take a few milliseconds: the warm start's plan was already within the MIP gap."""
    t = s.get("timings_s") or {}
    w = s.get("warm_start") or {}
    target = ((s.get("solver") or {}).get("options") or {}).get("mip_gap")
    lb, inc = w.get("lp_bound_usd"), w.get("incumbent_usd")
    if t.get("solve") is None or t["solve"] >= 0.1 or lb is None or inc is None or target is None or not inc:
        return ""
    if (inc - lb) / abs(inc) > target:
        return ""
    return (f". Solve took {t['solve']:.3f} s because the warm start (relax-and-fix) had already found a plan within "
            f"{pct((inc - lb) / abs(inc), 3)} of the LP bound, inside the {pct(target, 2)} target, so HiGHS accepted "
            f"it at the root without branching")


def infeasible_section(run: Run) -> Section:
    s = run.summary
    sec = Section("1. Infeasible: what cannot be met")
    sec.p("No plan meets every requirement of this scenario. The least-unmet plan (every workload allowed to go "
          "unmet at a very high penalty) shows what is missing:")
    sec.bullets([safe_text(r) for r in s.get("infeasible_reasons") or run.explanations.get("infeasible") or []])
    for line in s.get("infeasible_evidence") or []:
        sec.p(safe_text(line[0].upper() + line[1:]))
    un = run.t("unmet")
    if len(un):
        sec.table("Demand the least-unmet plan cannot serve", pd.DataFrame({
            "workload": un["workload"].map(lambda w: workload_label(w, run.scenario)),
            "year": un["year"].astype(str), "unserved EFLOP/s": un["eflop_s"].map(
                lambda x: num(x, 3)), "demand EFLOP/s": un["demand_eflop_s"].map(lambda x: num(x, 3))}))
    sec.p(run.explanations.get("perfect_foresight", ""))
    return sec
