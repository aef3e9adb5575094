"""Progressive hedging over MPI ranks (``mpiexec -n K planner hedge SPEC --ph``): mpi-sppy's PH on the same
scenario models as the extensive form."""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
from pathlib import Path

from planner.errors import InputError, problem


def mpiexec_path() -> str | None:
    """``mpiexec`` on PATH, or next to this Python (the mpich wheel installs it into the virtualenv's bin/)."""
    found = shutil.which("mpiexec")
    if found:
        return found
    here = Path(sys.executable).parent / "mpiexec"
    return str(here) if here.is_file() else None


def check_mpisppy() -> None:
    """The hedge's engine is mpi-sppy (the ``planner[mpi]`` extra). Imported here once, quietly: mpi-sppy prints a
    timing line on stdout when first imported."""
    import contextlib
    import io

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import mpisppy.opt.ph  # noqa: F401
            import mpisppy.utils.sputils  # noqa: F401
    except ImportError:
        raise InputError(problem("hedge", "mpi-sppy", "planner hedge needs mpi-sppy: pip install -e '.[mpi]'")) from None


def check_ph() -> None:
    """``--ph`` needs ``mpiexec`` (the mpich wheel of the ``planner[mpi]`` extra), mpi4py and mpi-sppy."""
    if mpiexec_path() is None:
        raise InputError(problem("--ph", "ph", "mpiexec is not on PATH: install the MPI extra (pip install -e '.[mpi]') "
                                               "or drop --ph to solve the extensive form on one machine"))
    try:
        import mpi4py  # noqa: F401
        import mpisppy  # noqa: F401
    except ImportError as exc:
        raise InputError(problem("--ph", "ph", f"{exc.name} is not installed: pip install -e '.[mpi]'")) from None


def rank() -> int:
    """This process's MPI rank (0 without MPI)."""
    try:
        from mpi4py import MPI
    except ImportError:
        return 0
    return MPI.COMM_WORLD.Get_rank()


def ranks() -> int:
    try:
        from mpi4py import MPI
    except ImportError:
        return 1
    return MPI.COMM_WORLD.Get_size()


def _rho_setter(models, scale: float):
    """rho proportional to each first-stage decision's own cost (Watson & Woodruff's cost-proportional rho): a
    dollar-scaled penalty for every decision, whatever its unit (units, MW, thousand accelerators)."""
    from planner.hedge.stage import FIRST_STAGE

    cost_param = {"units": "unit_cost", "open": "open_cost", "trips": "trip_cost", "build": "build_cost",
                  "chips": "chip_cost"}

    def setter(m):
        index = models.index  # read when called: set by the first scenario model built
        out = []
        for name, _, _ in FIRST_STAGE:
            comp, param = getattr(m, name), getattr(m, cost_param[name])
            for i in index[name]:
                out.append((id(comp[i]), max(abs(float(param[i].value)), 1e-3) * scale))
        if hasattr(m, "hedge_eta"):
            out.append((id(m.hedge_eta), scale))
        return out

    return setter


def run_ph(models, gap: float, time_limit_s: float, iterations: int = 50, rho_scale: float = 0.1,
           convthresh: float = 1e-4) -> dict:
    """Progressive hedging over the MPI ranks (each rank holds its share of the scenarios): returns, on every rank,
    the consensus first stage (rounded where integer), the Lagrangian lower bound with the final weights, the
    trivial (wait-and-see) bound, the iterations and the seconds."""
    import time

    import mpisppy.MPI as mpi
    import pyomo.environ as pyo
    from mpisppy.opt.ph import PH

    from planner.hedge.stage import FIRST_STAGE

    t0 = time.perf_counter()
    names = list(models.scenarios)
    options = {"solver_name": "appsi_highs", "PHIterLimit": iterations, "defaultPHrho": 1.0,
               "convthresh": convthresh, "verbose": False, "display_progress": False, "display_timing": False,
               "iter0_solver_options": {"mip_rel_gap": gap, "time_limit": time_limit_s},
               "iterk_solver_options": {"mip_rel_gap": gap, "time_limit": time_limit_s},
               "linearize_proximal_terms": True, "proximal_linearization_tolerance": 1e-1,
               "time_limit": time_limit_s}
    quiet = io.StringIO()  # mpi-sppy's own progress lines go to stdout; the planner reports on stderr
    with contextlib.redirect_stdout(quiet):
        ph = PH(options, names, models.create, rho_setter=_rho_setter(models, rho_scale))
        conv, _, trivial = ph.ph_main()
    iters = ph._PHIter
    # the consensus (xbar), rounded where the decision is integer
    first: dict[str, dict] = {}
    s0 = next(iter(ph.local_scenarios.values()))
    xbar = {ndn_i: float(pyo.value(s0._mpisppy_model.xbars[ndn_i])) for ndn_i in s0._mpisppy_data.nonant_indices}
    by_var = {id(v): ndn_i for ndn_i, v in s0._mpisppy_data.nonant_indices.items()}
    for name, _, _ in FIRST_STAGE:
        comp = getattr(s0, name)
        vals = {}
        for i in models.index[name]:
            v = comp[i]
            x = xbar[by_var[id(v)]]
            vals[i] = float(round(x)) if (v.is_integer() or v.is_binary()) else max(x, 0.0)
        first[name] = vals
    with contextlib.redirect_stdout(quiet):
        # the subproblems' own proven bounds (a MIP stopped at its gap) enter the sum, so the bound stays valid
        bound = ph.post_solve_bound(solver_options={"mip_rel_gap": gap, "time_limit": time_limit_s})
    return {"first_stage": first, "lagrangian_bound_musd": float(bound), "trivial_bound_musd": float(trivial),
            "convergence": float(conv), "convthresh": convthresh, "iterations": int(iters), "seconds": time.perf_counter() - t0,
            "ranks": mpi.COMM_WORLD.Get_size()}



def ph_solution(got: dict, models, evaluators: dict, tables: bool = True):
    """The hedge from progressive hedging's consensus first stage: every scenario's recourse re-optimised with it
    held (so its expected cost is exact, an upper bound), against the better of PH's Lagrangian lower bound and the
    wait-and-see bound (PH's trivial bound)."""
    from planner.hedge.solve import HedgeSolution, cvar_of

    first = got["first_stage"]
    outcomes = {n: ev.solve_fixed(first, tables) for n, ev in evaluators.items()}
    probs = {n: s.probability for n, s in models.scenarios.items()}
    ok = all(o.ok for o in outcomes.values())
    expected = sum(probs[n] * o.objective_musd for n, o in outcomes.items()) if ok else None
    cvar = cvar_of({n: o.objective_musd for n, o in outcomes.items()}, probs, models.risk.level) if ok else None
    w = models.risk.weight
    objective = None if not ok else (1 - w) * expected + w * cvar
    # both are lower bounds (the wait-and-see one drops nonanticipativity): the tighter one stands
    bound = max(got["lagrangian_bound_musd"], got["trivial_bound_musd"])
    gap = None if objective is None else max(objective - bound, 0.0) / max(abs(objective), 1e-9)
    status = "converged" if got["convergence"] < got["convthresh"] else "iteration_limit"
    return HedgeSolution(status=status, objective_musd=objective, bound_musd=bound, gap=gap, first_stage=first,
                         outcomes=outcomes, expected_musd=expected, cvar_musd=cvar, seconds=got["seconds"],
                         size={"scenarios": len(models.scenarios), "ranks": got["ranks"],
                               "iterations": got["iterations"]})
