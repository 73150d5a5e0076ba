"""The package installs on its own: its metadata carries the bounds, its archives the data."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib.metadata import requires, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import newslake

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGES = ("flows", "transforms", "warehouse")
BIN = Path(sys.executable).parent

# Releases that break a working install (shared/ENV-NOTES.md, and measured for this package:
# FastAPI 0.154 fails `prefect deploy`, 0.155 drops the Body(min_items=...) its server passes).
BROKEN = {
    "prefect": ["3.9.0", "3.9.4"],
    "fastapi": ["0.154.0", "0.155.0", "0.165.0"],
    "sqlalchemy": ["2.1.0", "2.1.9"],
}


def dependencies() -> dict[str, SpecifierSet]:
    found = {}
    for line in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(line)
        found[requirement.name.lower()] = requirement.specifier
    return found


def constraints() -> list[Requirement]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_dependencies_exclude_the_releases_that_break_an_install(name):
    specifier = dependencies()[name]
    for bad in BROKEN[name]:
        assert not specifier.contains(bad, prereleases=True), f"{name} {bad} is allowed"


def test_every_upper_bound_in_constraints_txt_is_in_the_package_metadata():
    declared = dependencies()
    runtime_names = set(declared)
    for constraint in constraints():
        name = constraint.name.lower()
        for spec in constraint.specifier:
            if spec.operator == "<":
                assert name in runtime_names, f"{constraint} is not a dependency"
                assert not declared[name].contains(spec.version, prereleases=True), constraint
            if spec.operator == "==" and name in runtime_names:
                assert declared[name].contains(spec.version), f"{constraint} is not allowed"


def test_the_installed_metadata_carries_the_same_bounds():
    installed = {Requirement(line).name.lower(): Requirement(line) for line in requires("newslake")}
    for name, specifier in dependencies().items():
        assert installed[name].specifier == specifier, name


def test_python_311_to_313_are_declared_and_allowed():
    project = PYPROJECT["project"]
    allowed = SpecifierSet(project["requires-python"])
    for minor in ("3.11", "3.12", "3.13"):
        assert allowed.contains(f"{minor}.0")
        assert f"Programming Language :: Python :: {minor}" in project["classifiers"]
    assert not allowed.contains("3.10.13")


@pytest.mark.parametrize("name", PACKAGES)
def test_the_src_package_links_to_the_top_level_folders(name):
    link = ROOT / "src" / "newslake" / name
    assert link.is_symlink()
    assert not Path(os.readlink(link)).is_absolute(), "a moved checkout keeps working"
    assert link.resolve() == (ROOT / name).resolve()


def test_the_editable_install_is_a_plain_path_entry():
    if not Path(newslake.__file__).is_relative_to(ROOT):
        pytest.skip("newslake is not installed from this checkout")
    assert Path(newslake.__file__).parent == ROOT / "src" / "newslake"
    assert not [name for name in sys.modules if name.startswith("__editable__")]
    assert str(ROOT / "src") in sys.path


def test_version_names_the_package_prefect_and_duckdb():
    result = subprocess.run(
        [str(BIN / "newslake"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith(f"newslake {version('newslake')} ")
    assert f"Prefect {version('prefect')}" in line
    assert f"DuckDB {version('duckdb')}" in line
    assert newslake.__version__ == version("newslake")


def data_files() -> set[str]:
    """Package-relative paths of every non-Python file the package must ship."""
    wanted = {"newslake/py.typed"}
    globs = {
        "flows": ["sample/**/*", "*.toml"],
        "transforms": ["models/*", "*.toml"],
        "warehouse": ["sql/*.sql", "report/*.html", "report/*.css", "report/*.js"],
    }
    for package, patterns in globs.items():
        for pattern in patterns:
            for path in (ROOT / package).glob(pattern):
                if path.is_file() and "__pycache__" not in path.parts:
                    wanted.add(f"newslake/{path.relative_to(ROOT).as_posix()}")
    return wanted


@pytest.mark.slow
def test_the_sdist_and_wheel_hold_the_sample_models_and_sql(tmp_path):
    wanted = data_files()
    assert len(wanted) > 50
    build = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = tmp_path.glob("newslake-*.whl")
    (sdist,) = tmp_path.glob("newslake-*.tar.gz")

    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert not wanted - in_wheel, sorted(wanted - in_wheel)[:5]
    assert {f"newslake/{name}/__init__.py" for name in PACKAGES} <= in_wheel
    assert "newslake/flows/sources/http.py" in in_wheel

    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        members = {m.name.removeprefix(f"{top}/src/"): m for m in archive.getmembers()}
    assert not wanted - set(members), sorted(wanted - set(members))[:5]
    assert all(members[name].isfile() for name in wanted), "links are copied as files"

    check = subprocess.run(
        [str(BIN / "twine"), "check", "--strict", str(wheel), str(sdist)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
