"""Generate data/structure_templates/ydyh2023_level2.csv (the level-1/level-2 detail layout)
from the 用地用海2023 code table, so the template and the registry cannot drift apart.

    python -m tools.make_templates          # rewrite the file
    python -m tools.make_templates --check  # exit 1 when the shipped file is out of date
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "data" / "structure_templates" / "ydyh2023_level2.csv"
SEA = ("18", "19", "20", "21", "22", "24")


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from core.registry import get_registry

    cls = get_registry().classification("ydyh2023")
    out = io.StringIO()
    out.write("# template: 用地用海分类一、二级明细表, version: 2026-11, classification: ydyh2023\n")
    out.write("# 由 tools/make_templates.py 按用地用海2023代码表生成：一级类为小计行，二级类为明细行（面积为 0 的二级类不显示）。\n")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["row_id", "parent", "label", "classes", "czcs", "show", "sum_of", "note", "evidence"])
    for l1 in cls.codes(1):
        children = [c for c in cls.codes(2) if c.startswith(l1)]
        show1 = "nonzero" if l1 in SEA else "always"
        if not children:
            w.writerow([l1, "", cls.name(l1), l1, "", show1, "", "", "V"])
            continue
        w.writerow([l1, "", cls.name(l1), "", "", show1, "", "", "V"])
        for c in children:
            w.writerow([c, l1, cls.name(c), c, "", "nonzero", "", "", "V"])
        w.writerow([f"{l1}-0", l1, "（只有一级代码，未细分）", l1, "", "nonzero", "", "图斑代码只到一级", "V"])
    return out.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        same = TARGET.exists() and TARGET.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{TARGET} is out of date: run python -m tools.make_templates")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
