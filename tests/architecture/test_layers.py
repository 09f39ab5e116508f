"""The layers point one way: no import circles, core/ below everything, private names stay home."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from tests.architecture.import_graph import PACKAGE_ROOT, cycles, import_graph, modules

# Lower layers must never import higher ones (core is imported by cli and ui, never the reverse).
LAYERS = {
    "smtpwizard.core": {"smtpwizard.cli", "smtpwizard.ui", "smtpwizard.lab", "smtpwizard.__main__"},
    "smtpwizard.lab": {"smtpwizard.cli", "smtpwizard.ui", "smtpwizard.__main__"},
    "smtpwizard.ui": {"smtpwizard.cli", "smtpwizard.__main__"},
}
PACKAGES_WITH_A_FACE = ("smtpwizard.core.check", "smtpwizard.core.probe")


def test_no_import_circle_anywhere() -> None:
    found = cycles(import_graph())
    assert found == [], "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_cycle_finder_finds_a_circle(tmp_path: Path) -> None:
    # A control: the same graph builder on a tiny package with a lazy, relative circle.
    pkg = tmp_path / "demo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text(
        textwrap.dedent(
            """
            def later():
                from ..a import thing
            """
        )
    )
    (pkg / "c.py").write_text("from . import a\n")
    assert cycles(import_graph(pkg)) == [["demo.a", "demo.sub.b"]]


@pytest.mark.parametrize("lower", sorted(LAYERS))
def test_lower_layers_never_import_higher_ones(lower: str) -> None:
    graph = import_graph()
    bad = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module == lower or module.startswith(lower + ".")
        for target in targets
        if any(target == up or target.startswith(up + ".") for up in LAYERS[lower])
    )
    assert bad == []


def test_main_only_picks_gui_or_cli() -> None:
    assert import_graph()["smtpwizard.__main__"] <= {
        "smtpwizard.cli",
        "smtpwizard.ui.app",
        "smtpwizard.ui.screen",
    }


def _private_imports(path: Path, module: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found += [f"{module}: {a.name}" for a in node.names if a.name.startswith("_")]
    return found


def test_nothing_imports_a_private_name_from_another_module() -> None:
    bad = []
    for module, path in modules().items():
        bad += [
            entry
            for entry in _private_imports(path, module)
            if not entry.endswith(("__version__", "__future__"))
        ]
    # tests and benches too: the faces are for them as well
    for root in (PACKAGE_ROOT.parent / "tests", PACKAGE_ROOT.parent / "bench"):
        for path in root.rglob("*.py"):
            bad += [
                e
                for e in _private_imports(path, str(path.relative_to(root.parent)))
                if not e.endswith("__version__")
            ]
    assert bad == []


@pytest.mark.parametrize("package", PACKAGES_WITH_A_FACE)
def test_outside_code_uses_the_public_face(package: str) -> None:
    """Code outside check/ and probe/ imports only names the package lists in __all__."""
    init = PACKAGE_ROOT.parent / package.replace(".", "/") / "__init__.py"
    public: set[str] = set()
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
            public = set(ast.literal_eval(node.value))
    assert public, f"{package} has no __all__"
    graph_modules = modules()
    bad = []
    for module, path in graph_modules.items():
        if module == package or module.startswith(package + "."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            if node.level > 1:
                base = base[: len(base) - (node.level - 1)]
            target = (
                ".".join([*base, node.module] if node.module else base)
                if node.level
                else node.module or ""
            )
            if target == package:
                bad += [f"{module}: {a.name}" for a in node.names if a.name not in public]
            elif target.startswith(package + "."):
                bad.append(f"{module}: from {target}")
    assert bad == []


def test_modules_stay_small() -> None:
    big = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert big == {}
