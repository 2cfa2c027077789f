"""Maintain resources/i18n/guotukit_zh_CN.ts without Qt Linguist (Linguist itself works too).

    python -m tools.i18n_ts add "English source" "中文译文"     # add or replace one message
    python -m tools.i18n_ts missing                            # source strings without a translation

The file stays sorted by source, one context (GuotuKit); ``make translations`` compiles it to the .qm.
"""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "resources" / "i18n" / "guotukit_zh_CN.ts"


def read() -> dict:
    root = ET.parse(TS).getroot()
    ctx = next(c for c in root.iter("context") if c.findtext("name") == "GuotuKit")
    return {m.findtext("source"): m.findtext("translation") or "" for m in ctx.iter("message")}


def write(messages: dict) -> None:
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>",
           '<TS version="2.1" language="zh_CN" sourcelanguage="en">', "<context>", "    <name>GuotuKit</name>"]
    for src in sorted(messages):
        out += ["    <message>", f"        <source>{escape(src)}</source>",
                f"        <translation>{escape(messages[src])}</translation>", "    </message>"]
    out += ["</context>", "</TS>", ""]
    TS.write_text("\n".join(out), encoding="utf-8")


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 3 and args[0] == "add":
        messages = read()
        messages[args[1]] = args[2]
        write(messages)
        return 0
    if args == ["missing"]:
        sys.path.insert(0, str(ROOT))
        from tests.unit.test_i18n import collect_strings

        have = read()
        for src, where in sorted(collect_strings().items()):
            if src not in have:
                print(f"{where}: {src}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
