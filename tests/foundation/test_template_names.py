"""Templates read data keys that share a name with a dict method (`items`, `keys`, `get`, ...) by subscript: Jinja
resolves `labels.items` to the dict's method before the "items" key, which printed `<built-in method items ...>` in
every order confirmation (issue 22)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2] / "templates"
DICT_METHODS = {name for name in dir(dict) if not name.startswith("_")}


def _uncalled_method_names(source: str) -> list[str]:
    tree = Environment().parse(source)
    called = {id(node.node) for node in tree.find_all(nodes.Call)}
    return [
        f"line {node.lineno}: .{node.attr}"
        for node in tree.find_all(nodes.Getattr)
        if node.attr in DICT_METHODS and id(node) not in called
    ]


def test_the_check_sees_the_mistake_and_allows_the_method_call() -> None:
    assert _uncalled_method_names("{{ labels.items }}") == ["line 1: .items"]
    assert _uncalled_method_names("{% for k, v in d.items() %}{{ labels['items'] }}{% endfor %}") == []


def test_no_template_reads_a_dict_method_name_as_data() -> None:
    templates = sorted(path for path in ROOT.rglob("*") if path.suffix in {".html", ".txt"})
    assert len(templates) > 30
    found = [
        f"{path.relative_to(ROOT)} {problem}"
        for path in templates
        for problem in _uncalled_method_names(path.read_text(encoding="utf-8"))
    ]
    assert found == []
