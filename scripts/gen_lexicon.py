"""Regenerate ``pfocr_ndex/style/lexicon.json``: Cytoscape Desktop's visual-property lexicon, read from its sources.

cyREST looks a visual-property name up in the renderer's lexicon (cyREST ``VisualStyleMapper.getVisualProperty``:
ding's ``DVisualLexicon``, which extends cytoscape-api's ``BasicVisualLexicon``) and silently skips a name it
does not find. This script reads, from git mirrors of cytoscape/cytoscape-api and cytoscape/cytoscape-impl:

- every visual property added with ``addVisualProperty`` (``BasicVisualLexicon.addVisualProperties`` and the
  ``DVisualLexicon`` constructor): its id, target (node, edge, network) and Java class, whose
  ``parseSerializableString`` reads the values;
- every ``addIdentifierMapping`` alias (looked up like ids, case-insensitively, per target);
- the enumerated values the enum-like classes parse (node and arrow shapes, line types, label background shapes,
  edge stacking), with their aliases and the ones ding adds to the ranges.

    python scripts/gen_lexicon.py [--mirrors /work/.mirror] [--api-ref release/3.10.3] [--impl-ref release/3.10.3]
                                  [--output pfocr_ndex/style/lexicon.json]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "pfocr_ndex" / "style" / "lexicon.json"

PROPERTY_DIR = "presentation-api/src/main/java/org/cytoscape/view/presentation/property"
BASIC = f"{PROPERTY_DIR}/BasicVisualLexicon.java"
DING = "ding-impl/ding-presentation-impl/src/main/java/org/cytoscape/ding/DVisualLexicon.java"
DING_SHAPES = "ding-impl/ding-presentation-impl/src/main/java/org/cytoscape/ding/DNodeShape.java"
# Value classes whose parseSerializableString looks the text up among named values: class → (file, value class).
ENUMS = {
    "NodeShapeVisualProperty": "NodeShapeImpl",
    "ArrowShapeVisualProperty": "ArrowShapeImpl",
    "LineTypeVisualProperty": "LineTypeImpl",
    "LabelBackgroundShapeVisualProperty": "LabelBackgroundShapeImpl",
    "EdgeStackingVisualProperty": "EdgeStackingImpl",
}
TARGETS = {"CyNode": "node", "CyEdge": "edge", "CyNetwork": "network"}
# Constructors that pass no Cy*.class argument: the class fixes the target (EdgeBendVisualProperty's constructor
# calls super(..., CyEdge.class)).
FIXED_TARGETS = {"EdgeBendVisualProperty": "edge"}

_TOKENS = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/', re.DOTALL)
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_FIELD = re.compile(r"public\s+static\s+final\s+[\w<>?, ]+?\s+(\w+)\s*=\s*new\s+(\w+)\s*\((.*?)\);", re.DOTALL)
_ADD = re.compile(r"\baddVisualProperty\(\s*(\w+)\s*,")
_ALIAS = re.compile(r'\baddIdentifierMapping\(\s*(\w+)\.class\s*,\s*"([^"]*)"\s*,\s*(\w+)\s*\)')


def git_show(mirror: Path, ref: str, path: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={mirror}", "show", f"{ref}:{path}"], check=True, capture_output=True, text=True
    ).stdout


def resolve(mirror: Path, ref: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={mirror}", "rev-parse", f"{ref}^{{commit}}"], check=True, capture_output=True, text=True
    ).stdout.strip()


def without_comments(java: str) -> str:
    """Java text with comments removed (string literals kept, so a "//" inside one survives)."""
    return _TOKENS.sub(lambda m: m.group(1) or "", java)


def fields(java: str) -> dict[str, dict]:
    """``public static final X FIELD = new Class(args)`` declarations: field → id, target, class."""
    found = {}
    for name, cls, args in _FIELD.findall(java):
        strings = _STRING.findall(args)
        target = re.search(r"\b(CyNode|CyEdge|CyNetwork)\.class", args)
        if len(strings) < 2 or not cls.endswith("VisualProperty"):
            continue  # not a visual property (a value, a range, a line type ...)
        # Every VisualProperty constructor ends with (..., id, displayName[, flag], [target class]).
        found[name] = {
            "id": strings[-2],
            "target": TARGETS[target.group(1)] if target else FIXED_TARGETS.get(cls),
            "class": cls,
        }
    return found


def enum_values(java: str, value_class: str) -> tuple[list[str], dict[str, str]]:
    """Serializable names (``new XImpl("Display", "NAME")``) and ``DEFAULT_SHAPES.put("ALIAS", FIELD)`` aliases."""
    names: dict[str, str] = {}
    for field, serializable in re.findall(rf'(\w+)\s*=\s*new\s+{value_class}\(\s*"[^"]*"\s*,\s*"([^"]*)"\s*\)', java):
        names[field] = serializable
    aliases = {
        alias: names[field]
        for alias, field in re.findall(r'DEFAULT_SHAPES\.put\(\s*"([^"]*)"\s*,\s*(\w+)\s*\)', java)
        if field in names
    }
    return sorted(names.values()), aliases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--api-ref", default="release/3.10.3")
    parser.add_argument("--impl-ref", default="release/3.10.3")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    api = args.mirrors / "cytoscape+cytoscape-api" / "repo"
    impl = args.mirrors / "cytoscape+cytoscape-impl" / "repo"

    basic = without_comments(git_show(api, args.api_ref, BASIC))
    ding = without_comments(git_show(impl, args.impl_ref, DING))
    declared = {**fields(basic), **fields(ding)}
    added = [*_ADD.findall(basic), *_ADD.findall(ding)]
    properties = {}
    lookup: dict[str, dict[str, str]] = {target: {} for target in TARGETS.values()}
    for field in added:
        info = declared[field]
        if info["target"] is None:
            raise SystemExit(f"no target type known for {field} ({info['class']})")
        properties[info["id"]] = {"target": info["target"], "class": info["class"]}
        lookup[info["target"]][info["id"].lower()] = info["id"]
    for java in (basic, ding):
        for cls, alias, field in _ALIAS.findall(java):
            lookup[TARGETS[cls]][alias.lower()] = declared[field]["id"]

    values: dict[str, dict[str, Any]] = {}
    for cls, value_class in ENUMS.items():
        names, aliases = enum_values(git_show(api, args.api_ref, f"{PROPERTY_DIR}/{cls}.java"), value_class)
        values[cls] = {"names": names, "aliases": aliases}
    # DVisualLexicon adds ding's line types (DLineType) and node shapes (DNodeShape.VEE) to the shared ranges.
    values["LineTypeVisualProperty"]["names"] += sorted(
        re.findall(r'new\s+DLineType\(\s*"[^"]*"\s*,\s*"([^"]*)"', ding)
    )
    added_shapes = re.findall(r"NODE_SHAPE\.getRange\(\)\)\.addRangeValue\(DNodeShape\.(\w+)\)", ding)
    ding_shapes = without_comments(git_show(impl, args.impl_ref, DING_SHAPES))
    for shape in added_shapes:
        match = re.search(rf'\b{shape}\s*=\s*new\s+DNodeShape\([^,]+,\s*"[^"]*"\s*,\s*"([^"]*)"\)', ding_shapes)
        if match is None:
            raise SystemExit(f"cannot read DNodeShape.{shape}")
        values["NodeShapeVisualProperty"]["names"].append(match.group(1))

    lexicon = {
        "about": "Cytoscape 3.10 visual lexicon (ding DVisualLexicon over BasicVisualLexicon); "
        "generated by scripts/gen_lexicon.py from the sources named in 'source'. Do not edit.",
        "source": {
            "cytoscape/cytoscape-api": {
                "ref": args.api_ref,
                "commit": resolve(api, args.api_ref),
                "files": [BASIC, *(f"{PROPERTY_DIR}/{cls}.java" for cls in ENUMS)],
            },
            "cytoscape/cytoscape-impl": {
                "ref": args.impl_ref,
                "commit": resolve(impl, args.impl_ref),
                "files": [DING, DING_SHAPES],
            },
        },
        "properties": dict(sorted(properties.items())),
        "lookup": {target: dict(sorted(names.items())) for target, names in lookup.items()},
        "values": values,
    }
    args.output.write_text(json.dumps(lexicon, indent=1) + "\n", encoding="utf-8")
    print(f"{args.output}: {len(properties)} visual properties, {sum(map(len, lookup.values()))} names")


if __name__ == "__main__":
    main()
