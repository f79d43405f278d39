"""The package's layering, read from its source with ast (nothing is imported).

- No module takes a private name (one with a leading underscore) from
  another dstft_np module, by ``from .m import _name`` or by ``m._name``;
  only the shared internals ``_validation``, ``_options``, ``_jit`` and the
  kernel modules may be reached into. Private *modules* (``_engine``,
  ``_kernels``) are imported by their public names.
- No import cycle among dstft_np modules, counting imports inside functions.

The checker runs on a small package written by the test too, so that a
violation and a cycle are shown to fail it.
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: Modules whose private names every module may use.
SHARED = {"_validation", "_options", "_jit", "_kernels"}


def _module_names(package_dir):
    """{dotted module name: path} of every .py file under the package (packages by their __init__)."""
    package = package_dir.name
    names = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = (package,) + path.relative_to(package_dir).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _resolve(module, is_package, level, target):
    """The absolute dotted name of a (relative) import in `module`."""
    if level == 0:
        return target
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _shared(module):
    return any(part in SHARED for part in module.split(".")[1:])


def analyse(package_dir):
    """(violations, graph): private names taken from other modules, and {module: set of modules it imports}."""
    modules = _module_names(package_dir)
    graph = {name: set() for name in modules}
    violations = []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}  # local name -> dstft_np module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        graph[module].add(alias.name)
                        aliases[alias.asname or alias.name] = alias.name
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(module, is_package, node.level, node.module)
                if source not in modules:
                    continue
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    if submodule in modules:
                        graph[module].add(submodule)
                        aliases[alias.asname or alias.name] = submodule
                        continue
                    if source != module:
                        graph[module].add(source)
                    if _private(alias.name) and source != module and not _shared(source):
                        violations.append(f"{module} imports {alias.name} from {source}")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and _private(node.attr)):
                source = aliases[node.value.id]
                if source != module and not _shared(source):
                    violations.append(f"{module} uses {node.value.id}.{node.attr} of {source}")
    return sorted(set(violations)), graph


def cycles(graph):
    """The import cycles of `graph`, each as a list of modules (empty when there is none)."""
    found, state, stack = [], {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                found.append(stack[stack.index(other):] + [other])
            elif other not in state:
                visit(other)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_no_module_imports_a_private_name_of_another():
    violations, _ = analyse(ROOT / "dstft_np")
    assert not violations, "private names used across modules:\n" + "\n".join(violations)


def test_no_import_cycle():
    _, graph = analyse(ROOT / "dstft_np")
    assert "dstft_np._engine" in graph["dstft_np.transform"], "the checker misses relative imports"
    assert "dstft_np._kernels" in graph["dstft_np.windows"]
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def test_the_checker_fails_on_a_private_import_and_on_a_cycle(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "from .a import public\n",
        "a.py": "from .b import helper\npublic = 1\n",
        "b.py": "def helper():\n    from . import a  # a cycle, made inside a function\n    return a.public\n",
        "c.py": "from .a import _private\nfrom . import a\nvalue = a._other\n",
        "_validation.py": "def _check():\n    pass\n",
        "d.py": "from ._validation import _check\nfrom . import _validation\n",
        "sub/__init__.py": "",
        "sub/e.py": "from .. import a\nfrom ..b import _secret\n",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    violations, graph = analyse(package)
    assert violations == ["pkg.c imports _private from pkg.a", "pkg.c uses a._other of pkg.a",
                          "pkg.sub.e imports _secret from pkg.b"]
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"]]


def test_package_cites_no_file_outside_the_repository():
    """Users have docs/, not the project's design notes: docstrings point to docs/ sections."""
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((ROOT / "dstft_np").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if "DESIGN.md" in line or "../shared" in line]
    assert not found, "references to files users do not have:\n" + "\n".join(found)


def imported_test_modules(source):
    """Names of tests' test modules that `source` imports (from .test_x, from tests.test_x, from . import test_x)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = (node.module or "").removeprefix("tests.").removeprefix("tests")
            if module.startswith("test_"):
                found.append(module)
            elif not module:
                found += [alias.name for alias in node.names if alias.name.startswith("test_")]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("tests.test_")]
    return found


def test_no_test_module_imports_another():
    """Helpers shared by test files live in helper modules (naive, gradcheck, tolerance, grids, inputs, ...)."""
    checks = {"from .test_transform import N_FFT": ["test_transform"], "from . import naive, test_io": ["test_io"],
              "import tests.test_cli": ["tests.test_cli"], "from tests.test_model import x": ["test_model"],
              "from .gradcheck import assert_gradient\nfrom . import naive": []}
    for source, expected in checks.items():
        assert imported_test_modules(source) == expected, source
    found = {path.name: imported_test_modules(path.read_text(encoding="utf-8"))
             for path in sorted((ROOT / "tests").glob("*.py"))}
    assert not {name: modules for name, modules in found.items() if modules}


def test_every_test_file_is_in_the_map_of_conftest():
    """tests/conftest.py's docstring says which file tests which module: a new test file goes there too."""
    layout = ast.get_docstring(ast.parse((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")))
    missing = [path.name for path in sorted((ROOT / "tests").glob("test_*.py")) if path.name not in layout]
    assert not missing, f"test files missing from the map in tests/conftest.py: {missing}"
