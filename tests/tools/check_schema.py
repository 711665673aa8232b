#!/usr/bin/env python3
"""check_schema.py - Validates scenarios/schema.json against the JSON Schema 2020-12 metaschema,
every scenario under scenarios/ against the schema, and that files with known mistakes under
tests/tools/data/scenarios/ are refused by it. Exits 77 (skipped) without the jsonschema module.

Usage: check_schema.py SOURCE_DIR"""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("jsonschema is not installed: skipped")
    sys.exit(77)

root = sys.argv[1]
schema = json.load(open(os.path.join(root, "scenarios", "schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failed = 0
paths = sorted(glob.glob(os.path.join(root, "scenarios", "*", "*.json")))
for path in paths:
    for error in validator.iter_errors(json.load(open(path))):
        print("%s: %s: %s" % (path, error.json_path, error.message))
        failed += 1
for name in ["typo.json", "two_problems.json"]:
    path = os.path.join(root, "tests", "tools", "data", "scenarios", name)
    if validator.is_valid(json.load(open(path))):
        print("%s: the schema accepts a file the loader refuses" % path)
        failed += 1
print("%d scenarios checked, %d problems" % (len(paths), failed))
sys.exit(1 if failed else 0)
