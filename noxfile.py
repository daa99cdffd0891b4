"""Every check this project runs, in one place: `nox` runs the default sessions, as CI does."""

from __future__ import annotations

import os
import pathlib
import shutil

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_external_run = True
nox.options.reuse_venv = "yes"

ROOT = pathlib.Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)
IN_CI = bool(os.environ.get("CI"))
# pytest-xdist workers: one per core. Most tests wait on sockets and subprocesses, so this halves
# the wall time of the suites run more than once (the matrix); `-- -n 0` runs them in one process.
WORKERS = ["-n", "auto"]


def _expose_pyenv_interpreters() -> None:
    """Put every pyenv-installed CPython on PATH, so each version of the matrix really runs.

    pyenv's shims refuse versions that are not selected; the interpreters' own bin folders do not.
    """
    root = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv"))
    bins = sorted(str(p / "bin") for p in (root / "versions").glob("3.*") if (p / "bin").is_dir())
    if bins:
        os.environ["PATH"] = os.pathsep.join([*bins, os.environ.get("PATH", "")])


_expose_pyenv_interpreters()


def _install(session: nox.Session, *groups: str) -> None:
    """Install the package (or the wheel given with --installpkg) and the named dependency groups."""
    pkg: list[str] = []
    if "--installpkg" in session.posargs:
        pkg = [session.posargs[session.posargs.index("--installpkg") + 1]]
    else:
        pkg = ["."]
    group_args = [arg for g in groups for arg in ("--group", g)]
    session.install(*pkg, *group_args)


def _pytest_args(session: nox.Session) -> list[str]:
    args = list(session.posargs)
    if "--installpkg" in args:
        i = args.index("--installpkg")
        del args[i : i + 2]
    return args


def _browser_env(session: nox.Session) -> dict[str, str]:
    """Make Debian's chromium available to the inspector's browser test, installing it if missing.

    apt-get needs root; where it cannot run (or fails), the test skips and says why. Once chromium
    is there, CONVERSATIONS_SDK_BROWSER=required turns a skip into a failure.
    """
    if shutil.which("chromium") is None:
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        if as_root and shutil.which("apt-get") is not None:
            apt = {"DEBIAN_FRONTEND": "noninteractive"}
            # Not fatal: without a network the browser test skips, the rest still runs.
            codes = list(range(256))
            session.run("apt-get", "update", external=True, env=apt, success_codes=codes)
            session.run(
                "apt-get", "install", "-y", "chromium", external=True, env=apt, success_codes=codes
            )
    if shutil.which("chromium") is None:
        session.warn("chromium is not installed and cannot be here: the browser test will skip")
        return {}
    return {"CONVERSATIONS_SDK_BROWSER": "required"}


# Suites with a session of their own (they need Node, a kernel, or run at full scale once).
OWN_SESSIONS = ["tests/contract", "tests/docs", "tests/reliability"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Unit, blocking, emulator and end-to-end tests under coverage, on every supported Python.

    Tests marked ``slow`` (schemathesis, the bench smoke run, the 5,000-item CLI round trip, a
    user project using the pytest plugin) run once, on the newest Python, to keep CI's matrix short.
    """
    _install(session, "tests")
    selection = [f"--ignore={path}" for path in OWN_SESSIONS]
    browser: dict[str, str] = {}
    if session.python != PYTHONS[-1]:
        selection += ["-m", "not slow"]
    else:  # the slow tests include the inspector's test in a real Chromium
        browser = _browser_env(session)
    session.run(
        "coverage",
        "run",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *WORKERS,
        *selection,
        *_pytest_args(session),
        env={"COVERAGE_FILE": str(ROOT / f".coverage.{session.python}"), **browser},
    )


@nox.session(python=PYTHONS[-1])
def coverage(session: nox.Session) -> None:
    """Combine every Python's coverage data and fail under the agreed floor."""
    session.install("coverage[toml]>=7.6")
    files = [str(p) for p in ROOT.glob(".coverage.*")]
    if not files:
        session.skip("no coverage data: run the tests sessions first")
    session.run("coverage", "combine", "--keep", *files, env={"COVERAGE_FILE": ".coverage"})
    session.run("coverage", "report", "--fail-under=90", env={"COVERAGE_FILE": ".coverage"})


@nox.session(python=PYTHONS[-1])
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting."""
    session.install("--group", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHONS[0])
def typing(session: nox.Session) -> None:
    """mypy --strict on the package, the user-style typing checks and this file; pyright (strict) on
    the user-style checks (tests/typing), whose expected errors are pinned per checker."""
    _install(session, "typing", "tests")
    session.run("mypy")
    session.run("pyright")


@nox.session(python=PYTHONS[0])
def minimums(session: nox.Session) -> None:
    """The unit tests against the lowest versions pyproject.toml declares (proves the lower bounds)."""
    if session.venv_backend != "uv":
        session.error("minimums needs the uv backend (pip cannot resolve to lowest versions)")
    session.install("--resolution=lowest-direct", ".", "--group", "tests")
    session.run("uv", "pip", "list", external=True)
    session.run(
        "python",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *WORKERS,
        "tests/unit",
        *_pytest_args(session),
    )


@nox.session(python=PYTHONS[-1])
def docs(session: nox.Session) -> None:
    """Build the documentation with warnings as errors, and run every Python block in it."""
    _install(session, "docs", "tests")
    out = ROOT / "docs" / "_build"
    shutil.rmtree(out, ignore_errors=True)
    session.run("sphinx-build", "-W", "-n", "--keep-going", "-b", "html", "docs", str(out / "html"))
    # `python -m`: the repository root must be importable (tests/conftest.py imports `tests.`).
    session.run(
        "python",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *WORKERS,
        "tests/docs",
        *_pytest_args(session),
    )


@nox.session(python=PYTHONS[-1])
def contract(session: nox.Session) -> None:
    """Contract tests: the SDK against Prism serving OpenAI's published spec (tests/contract/).

    Prism comes from contract/package-lock.json (`npm ci`, into contract/node_modules); the spec it
    serves is regenerated from the verbatim one by scripts/normalize_spec.py on every run.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        session.error(
            "the contract session needs Node.js (>= 18.20) and npm on PATH to run the Prism mock "
            "server; install them (e.g. `apt-get install nodejs npm`) and run it again"
        )
    _install(session, "tests")
    lock = ROOT / "contract" / "package-lock.json"
    stamp = ROOT / "contract" / "node_modules" / ".installed-from-lock"
    lock_text = lock.read_text(encoding="utf-8")
    # `npm ci` wipes and reinstalls (~10 s); skip it when node_modules already came from this lock.
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != lock_text:
        # --ignore-scripts: Prism needs none, and running no package's install script is safer.
        npm_ci = ["ci", "--prefix", "contract", "--ignore-scripts", "--no-audit", "--no-fund"]
        session.run(npm, *npm_ci, external=True)
        stamp.write_text(lock_text, encoding="utf-8")
    spec = ROOT / "build" / "contract" / "conversations.openapi.yaml"
    session.run("python", "scripts/normalize_spec.py", "--out", str(spec))
    pytest_args = ["-p", "no:cacheprovider", "tests/contract", *_pytest_args(session)]
    session.run(
        "python",
        "-m",
        "pytest",
        *pytest_args,
        env={"CONVERSATIONS_SDK_CONTRACT": "1", "CONVERSATIONS_SDK_CONTRACT_SPEC": str(spec)},
    )


@nox.session(python=PYTHONS[-1], default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (issue 10): our clients vs raw aiohttp and the official SDK; figures and ratios.

    Arguments after ``--`` go to ``python -m bench`` (``--quick`` for a smoke run, ``--help``).
    """
    _install(session, "bench")
    session.run("python", "-m", "bench", *session.posargs)


@nox.session(python=PYTHONS[-1])
def notebook(session: nox.Session) -> None:
    """Run docs/notebook.ipynb headless in a Jupyter kernel (the blocking client's main user).

    The notebook starts the in-process emulator itself. ``jupyter execute`` fails on any cell
    error; the pytest check then asserts the rich HTML output and that nothing went to stderr.
    """
    _install(session, "notebook", "tests")
    session.run("jupyter", "execute", "--timeout=120", "docs/notebook.ipynb")
    session.run(
        "python", "-m", "pytest", "-p", "no:cacheprovider", "tests/blocking/test_notebook.py"
    )


@nox.session(python=PYTHONS[-1])
def reliability(session: nox.Session) -> None:
    """Reliability and security suite at full scale (issue 8); prints every figure at the end.

    Chaos (10,000 calls, 30 % faults), retry storm, load (20,000 calls), 30 SIGKILL cycles, bad
    input on both sides, secrets, path injection and a hostile server, all on 127.0.0.1. The
    ordinary `tests` session runs the same tests at smoke scale. Figures: .nox/reliability-figures.json.
    """
    _install(session, "tests")
    figures = ROOT / ".nox" / "reliability-figures.json"
    figures.unlink(missing_ok=True)
    # python -m: the suite imports helpers as `tests.…`, so the project root must be on sys.path.
    session.run(
        "python",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-s",
        "tests/reliability",
        "--timeout=1800",  # full scale: 10,000-call chaos and 30 SIGKILL cycles per test
        *_pytest_args(session),
        env={"RELIABILITY_SCALE": "full", "RELIABILITY_FIGURES": str(figures)},
    )
    if figures.exists():
        import json

        print(f"\nreliability figures ({figures}):")
        for test, values in json.loads(figures.read_text(encoding="utf-8")).items():
            shown = {k: v for k, v in values.items() if k != "cases"}
            print(f"  {test}: {json.dumps(shown, sort_keys=True)}")
