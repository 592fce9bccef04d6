"""What a week's given cells define: the statements the judge keeps, and the rep timer runs before another week's tests."""

from __future__ import annotations

import ast

__all__ = ["definitions"]


def definitions(source: str) -> str:
    """The statements of a given cell the judge keeps: imports, functions, classes and assignments to
    UPPER_CASE names (or to names whose value is a literal)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    kept: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            kept.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if len(names) != len(targets):
                continue
            try:
                ast.literal_eval(node.value)
                literal = True
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                literal = False
            if literal or all(n.isupper() for n in names):
                kept.append(node)
    return ast.unparse(ast.Module(body=kept, type_ignores=[]))
