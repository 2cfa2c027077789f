"""The Chinese UI catalogue (the Qt Linguist source resources/i18n/guotukit_zh_CN.ts) covers every translatable
source string.

No QGIS import: the plugin sources are parsed with ``ast`` and every string that reaches
``plugin.i18n.tr`` is collected:

* string constants passed as first argument to ``tr(...)`` / ``self.tr(...)``;
* help texts passed as second argument (or ``help_text=``) to ``add_param``, which calls ``tr()``;
* module-level ``*_LABELS`` tuples/lists (elements) and dicts (values), shown as ``[tr(x) for x in ...]``;
* the titles (first items) of ``MENU_ENTRIES`` and every ``GROUP_NAME`` class attribute;
* ``for key, label in (("A", "text"), ...): tr(label)`` — literal items bound to a loop variable given to ``tr``.

Strings listed in ``UNTRANSLATABLE`` are known exceptions, so that a new one is noticed instead of being
silently left in English.
"""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "resources" / "i18n" / "guotukit_zh_CN.ts"
SOURCE_DIRS = ("plugin", "processing_provider", "forms")
UNTRANSLATABLE: set = set()
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _const_str(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _literal_strings(node):
    """String constants among the items of a literal tuple/list (values for a dict)."""
    if isinstance(node, ast.Dict):
        items = node.values
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = node.elts
    else:
        return []
    return [s for s in (_const_str(n) for n in items) if s is not None]


def _is_tr_call(node):
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "tr") or (isinstance(func, ast.Attribute) and func.attr == "tr")


def _names_given_to_tr(body):
    names = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if _is_tr_call(node) and node.args and isinstance(node.args[0], ast.Name):
                names.add(node.args[0].id)
    return names


def _for_loop_strings(loop: ast.For):
    """Literal items of ``for a, b in ((..), ..)`` whose loop variable is passed to ``tr``."""
    given = _names_given_to_tr(loop.body)
    if not given or not isinstance(loop.iter, (ast.Tuple, ast.List)):
        return []
    out = []
    target = loop.target
    if isinstance(target, ast.Name):
        if target.id in given:
            out += _literal_strings(loop.iter)
    elif isinstance(target, ast.Tuple):
        positions = [i for i, t in enumerate(target.elts) if isinstance(t, ast.Name) and t.id in given]
        for item in loop.iter.elts:
            if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == len(target.elts):
                out += [s for s in (_const_str(item.elts[i]) for i in positions) if s is not None]
    return out


def strings_in_module(tree: ast.Module):
    found = []
    for node in tree.body:  # module level: *_LABELS and MENU_ENTRIES
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if not isinstance(t, ast.Name):
                    continue
                if t.id.endswith("_LABELS"):
                    found += _literal_strings(node.value)
                elif t.id == "MENU_ENTRIES" and isinstance(node.value, (ast.List, ast.Tuple)):
                    found += [s for s in (_const_str(e.elts[0]) for e in node.value.elts if isinstance(e, ast.Tuple) and e.elts) if s]
    for node in ast.walk(tree):
        if _is_tr_call(node) and node.args:
            s = _const_str(node.args[0])
            if s is not None:
                found.append(s)
        if isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "add_param")
            or (isinstance(node.func, ast.Name) and node.func.id == "add_param")
        ):
            help_nodes = node.args[1:2] + [k.value for k in node.keywords if k.arg == "help_text"]
            found += [s for s in (_const_str(n) for n in help_nodes) if s is not None]
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "GROUP_NAME" for t in stmt.targets):
                    s = _const_str(stmt.value)
                    if s is not None:
                        found.append(s)
        if isinstance(node, ast.For):
            found += _for_loop_strings(node)
    return found


def source_files():
    files = []
    for d in SOURCE_DIRS:
        files += sorted((ROOT / d).rglob("*.py"))
    return files


def collect_strings():
    """{source string: first file that uses it}."""
    out = {}
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for s in strings_in_module(tree):
            out.setdefault(s, str(path.relative_to(ROOT)))
    return out


def read_catalogue():
    """(rows, problems): rows as (message number, source, translation) of the .ts context GuotuKit."""
    import xml.etree.ElementTree as ET

    rows, problems = [], []
    root = ET.parse(CATALOGUE).getroot()
    assert root.tag == "TS" and root.get("language") == "zh_CN", "a Qt Linguist .ts for zh_CN"
    contexts = [c for c in root.iter("context") if c.findtext("name") == "GuotuKit"]
    assert len(contexts) == 1, "one context named GuotuKit (plugin.i18n.CONTEXT)"
    for n, msg in enumerate(contexts[0].iter("message"), 1):
        src, node = msg.findtext("source"), msg.find("translation")
        if not src or node is None or not node.text:
            problems.append(f"message {n}: source or translation missing: {src!r}")
            continue
        if node.get("type") in ("unfinished", "obsolete"):
            problems.append(f"message {n}: translation marked {node.get('type')}: {src!r}")
        rows.append((n, src, node.text))
    return rows, problems


def placeholders(text: str):
    """Sorted (field name, conversion, format spec) of the {...} replacement fields."""
    return sorted(
        (name, conv or "", spec or "") for _lit, name, spec, conv in string.Formatter().parse(text) if name is not None
    )


def catalogue_dict():
    rows, _ = read_catalogue()
    return {src: zh for _n, src, zh in rows}


# ---------------------------------------------------------------------------------------------------------------


def test_collector_finds_the_known_kinds_of_strings():
    found = collect_strings()
    assert len(found) > 100
    for s in (
        "Input layer",  # tr("...")
        "Parameters",  # tr('...') inside an f-string
        "Compliance",  # GROUP_NAME
        "Convert land-use codes",  # MENU_ENTRIES
        "Stop with an error",  # POLICY_LABELS
        "Planar (projected CRS)",  # AREA_BASIS_LABELS (dict values)
        "Subjects 通过",  # for key, label in (...): tr(label)
        "Classification to convert to (用地用海2023 by default).",  # add_param help text
    ):
        assert s in found, s


def test_catalogue_is_well_formed():
    rows, problems = read_catalogue()
    assert problems == []
    seen, dups = set(), []
    for n, src, _zh in rows:
        if src in seen:
            dups.append(f"line {n}: {src!r}")
        seen.add(src)
    assert dups == [], "duplicate sources in guotukit_zh_CN.ts"
    assert [src for _n, src, _zh in rows] == sorted(src for _n, src, _zh in rows), "keep guotukit_zh_CN.ts sorted by source"


def test_every_ui_string_has_a_chinese_translation():
    table = catalogue_dict()
    missing = [
        f"{where}: {s!r}"
        for s, where in sorted(collect_strings().items())
        if s not in UNTRANSLATABLE and not table.get(s, "").strip()
    ]
    assert missing == [], "add these strings to resources/i18n/guotukit_zh_CN.ts (Qt Linguist, or tools/i18n_ts.py add):\n" + "\n".join(missing)


def test_strings_that_cannot_be_stored_are_known():
    multiline = {s for s in collect_strings() if "\n" in s or "\t" in s or "\r" in s}
    assert multiline == UNTRANSLATABLE, (
        "tr() strings with a newline or tab cannot go in the TSV; avoid them or update UNTRANSLATABLE: "
        f"{sorted(multiline ^ UNTRANSLATABLE)!r}"
    )


def test_placeholders_are_identical():
    bad = []
    for n, src, zh in read_catalogue()[0]:
        try:
            if placeholders(src) != placeholders(zh):
                bad.append(f"line {n}: {placeholders(src)} != {placeholders(zh)}: {src!r}")
        except ValueError as exc:
            bad.append(f"line {n}: malformed placeholder ({exc}): {src!r} / {zh!r}")
    assert bad == []


def test_translations_are_chinese():
    bad = [f"line {n}: {src!r} -> {zh!r}" for n, src, zh in read_catalogue()[0] if not CJK.search(zh)]
    assert bad == []


def test_no_stale_entries():
    """Every catalogue entry is still used (a renamed source string must not leave its old translation behind)."""
    used = set(collect_strings())
    stale = [f"line {n}: {src!r}" for n, src, _zh in read_catalogue()[0] if src not in used]
    assert stale == []
