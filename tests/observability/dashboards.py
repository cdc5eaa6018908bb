#!/usr/bin/env python3
"""Static checks of grafana/dashboards/*.json (stdlib only).

- the committed JSON is what grafana/generate.py writes;
- schemaVersion is set, panel ids are unique, every panel has a title,
  description and unit, and every panel and target uses the `$datasource`
  template variable, which exists (as does `$instance`);
- each dashboard type-checks against the `Dashboard` type of the npm
  package @grafana/schema (tsc, strict, excess-property checks), with the
  node_modules directory given as the first argument.
"""

import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.dont_write_bytecode = True
sys.path.insert(0, str(ROOT / "grafana"))
import generate  # noqa: E402

DS_UID = "${datasource}"


def structural(name, d):
    errors = []
    if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 36:
        errors.append("schemaVersion missing or older than 36")
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    if variables.get("datasource", {}).get("type") != "datasource":
        errors.append("no `datasource` template variable of type datasource")
    if "instance" not in variables:
        errors.append("no `instance` template variable")
    ids = [p.get("id") for p in d["panels"]]
    if len(ids) != len(set(ids)) or None in ids:
        errors.append(f"panel ids not unique: {ids}")
    for p in d["panels"]:
        where = f"panel {p.get('id')} {p.get('title')!r}"
        for key in ("title", "description"):
            if not p.get(key):
                errors.append(f"{where}: no {key}")
        if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            errors.append(f"{where}: no unit")
        refs = [p.get("datasource")] + [t.get("datasource") for t in p.get("targets", [])]
        if any((r or {}).get("uid") != DS_UID for r in refs):
            errors.append(f"{where}: a datasource does not reference {DS_UID}")
        if not p.get("targets") or any(not t.get("expr") for t in p["targets"]):
            errors.append(f"{where}: a target has no expr")
        if any('instance=~"$instance"' not in t["expr"] for t in p["targets"]):
            errors.append(f"{where}: a query ignores $instance")
    return [f"{name}: {e}" for e in errors]


def typecheck(node_modules, files):
    """One .ts per dashboard assigning the JSON literal to `Dashboard`."""
    with tempfile.TemporaryDirectory(dir=node_modules.parent) as tmp:
        sources = []
        for f in files:
            ts = pathlib.Path(tmp) / (f.stem.replace("-", "_") + ".ts")
            ts.write_text("import type { Dashboard } from '@grafana/schema';\n"
                          f"export const d: Dashboard = {f.read_text()};\n")
            sources.append(str(ts))
        tsc = node_modules / "typescript" / "bin" / "tsc"
        run = subprocess.run(
            ["node", str(tsc), "--noEmit", "--strict", "--skipLibCheck", "--target", "es2022",
             "--module", "nodenext", "--moduleResolution", "nodenext", *sources],
            capture_output=True, text=True)
        return [] if run.returncode == 0 else [run.stdout + run.stderr]


def main():
    node_modules = pathlib.Path(sys.argv[1]).resolve()
    folder = ROOT / "grafana" / "dashboards"
    errors = []
    for name, text in generate.rendered().items():
        if (folder / name).read_text() != text:
            errors.append(f"{name}: differs from `python3 grafana/generate.py` output; regenerate it")
    files = sorted(folder.glob("*.json"))
    for f in files:
        errors += structural(f.name, json.loads(f.read_text()))
    errors += typecheck(node_modules, files)
    for e in errors:
        print(f"dashboard check: {e}", file=sys.stderr)
    if errors:
        sys.exit(1)
    print(f"dashboards ok: {', '.join(f.name for f in files)} (structure, @grafana/schema types)")


if __name__ == "__main__":
    main()
