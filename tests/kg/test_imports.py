"""Import structure: no two sibling modules import each other, however the import is hidden.

A function-local import still makes a cycle: it only moves the failure from start-up to the first call,
and it lets two modules' responsibilities grow into each other. grimp reads every import statement,
inside functions too. Siblings are the modules (and subpackages) of one package; one depends on another
when any module in it imports any module in the other, as import-linter's acyclic_siblings contract
that `make lint` runs counts it. This test names the cycle where pytest reports.
"""

from __future__ import annotations

import grimp

PACKAGES = ("ontology", "ingest", "search", "kg")


def _members(graph, module: str) -> set[str]:
    return {module} | set(graph.find_descendants(module)) if graph.find_children(module) else {module}


def sibling_cycles(graph, package: str) -> list[tuple[str, ...]]:
    """Cycles in the dependency graph of package's children, each as the sorted tuple of its members."""
    children = sorted(graph.find_children(package))
    members = {child: _members(graph, child) for child in children}
    depends = {a: {b for b in children if b != a and any(
        graph.direct_import_exists(importer=m, imported=n) for m in members[a] for n in members[b])}
        for a in children}

    def reaches(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in depends[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    reach = {a: reaches(a) for a in children}
    cycles = {tuple(sorted(b for b in children if b == a or (b in reach[a] and a in reach[b])))
              for a in children if a in reach[a]}
    found = sorted(cycles)
    for child in children:
        found += sibling_cycles(graph, child)
    return found


def test_no_sibling_modules_import_each_other():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    cycles = [cycle for package in PACKAGES for cycle in sibling_cycles(graph, package)]
    assert cycles == [], "import cycles between sibling modules: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_build_and_documents_in_particular():
    """The cycle a code read found: kg.build reached kg.documents for its inputs from inside a function."""
    graph = grimp.build_graph("kg", cache_dir=None)
    assert graph.direct_import_exists(importer="kg.documents", imported="kg.build")
    assert not graph.chain_exists(importer="kg.build", imported="kg.documents")
