"""Render the README table "what GuotuKit does with bad data" from the input-gate matrix's data
(tests/qgis/badinputs.KINDS, the kinds test_input_gate.py runs against every algorithm).

    python -m tools.gate_table          # print the table
    python -m tools.gate_table --write  # replace it in README.md
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- gate-table: begin (python -m tools.gate_table --write) -->"
END = "<!-- gate-table: end -->"
ALGS = "convertlandusecodes, structuretable, compliancecheck, assetpackages, validatepackages"
SCOPE = {"empty_control": "compliancecheck, assetpackages, validatepackages",
         "profile_role_typo": "compliancecheck, assetpackages, validatepackages (rule profile)",
         "profile_unclosed_quote": "compliancecheck, assetpackages, validatepackages (rule profile)",
         "profile_semicolon": "compliancecheck, assetpackages, validatepackages (rule profile)"}


def render() -> str:
    from tests.qgis.badinputs import KINDS

    lines = [BEGIN, "", "| bad input | what GuotuKit does | algorithms tested |", "|---|---|---|"]
    for kind, (what, does) in KINDS.items():
        lines.append(f"| {what} | {does} | {SCOPE.get(kind, 'all five')} |")
    lines += ["", END]
    return "\n".join(lines)


def main(argv) -> int:
    table = render()
    if "--write" not in argv:
        print(table)
        return 0
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + table + rest.split(END, 1)[1]
    else:
        raise SystemExit("README.md has no gate-table markers")
    readme.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
