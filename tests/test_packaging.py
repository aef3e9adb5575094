"""What the package declares: every third-party module it imports is a dependency (Dask only in the cluster
extra, mpi-sppy and mpi4py only in the mpi extra, Streamlit, Altair and Plotly only in the app extra), and every
package-data entry names files that exist."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DISTRIBUTION = {"PIL": "pillow", "yaml": "pyyaml", "fpdf": "fpdf2", "pyomo": "pyomo", "highspy": "highspy",
                "numpy": "numpy", "pandas": "pandas", "pydantic": "pydantic", "typer": "typer", "rich": "rich",
                "matplotlib": "matplotlib", "pyarrow": "pyarrow", "scipy": "scipy", "SALib": "salib",
                "click": "click", "dask": "dask", "distributed": "dask", "pydantic_core": "pydantic",
                "annotated_types": "annotated-types", "mpisppy": "mpi-sppy", "mpi4py": "mpi4py",
                "streamlit": "streamlit", "plotly": "plotly", "altair": "altair"}
EXTRA = {"dask": "cluster", "distributed": "cluster", "mpisppy": "mpi", "mpi4py": "mpi", "streamlit": "app",
         "plotly": "app", "altair": "app"}  # modules of an extra


def _name(requirement: str) -> str:
    for sep in "[<>=!~; ":
        requirement = requirement.split(sep)[0]
    return requirement.lower()


def imported_modules() -> set[str]:
    found = set()
    for path in (ROOT / "planner").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "planner"}


def test_every_imported_module_is_declared():
    required = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = {k: {_name(r) for r in v} for k, v in PYPROJECT["project"]["optional-dependencies"].items()}
    modules = imported_modules()
    unknown = modules - set(DISTRIBUTION)
    assert not unknown, f"imported but not mapped to a distribution here: {unknown}"
    for module in modules:
        wanted = DISTRIBUTION[module]
        where = extras[EXTRA[module]] if module in EXTRA else required
        assert wanted in where, f"planner imports {module} but pyproject.toml does not declare {wanted}"
    assert "dask" not in required, "Dask is the cluster extra, not a dependency of every install"
    assert "mpi-sppy" not in required, "mpi-sppy is the mpi extra (planner hedge), not a dependency of every install"
    assert not {"streamlit", "plotly", "altair"} & required, "Streamlit, Altair and Plotly are the app extra " \
        "(planner app), not a dependency of every install"


def test_package_data_names_files_that_exist():
    data = PYPROJECT.get("tool", {}).get("setuptools", {}).get("package-data", {})
    for package, patterns in data.items():
        for pattern in patterns:
            assert list((ROOT / package.replace(".", "/")).glob(pattern)), f"package-data {package}: {pattern}"
