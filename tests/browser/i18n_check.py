#!/usr/bin/env python3
"""The pages' message catalogues: every key the pages use (t('KEY'), data-i18n="KEY") is in
web/i18n/en.json, and every language has every English key with the same {N} placeholders.

python3 i18n_check.py WEB_DIR; exits 1 naming each problem."""
import json
import pathlib
import re
import sys

web = pathlib.Path(sys.argv[1])
catalogues = {path.stem: json.loads(path.read_text(encoding="utf-8"))
              for path in sorted((web / "i18n").glob("*.json"))}
problems = []
english = catalogues.get("en", {})
used = set()
for page in sorted(web.glob("*.js")) + sorted(web.glob("*.html")):
    text = page.read_text(encoding="utf-8")
    for key in re.findall(r"""\bt\(\s*'([a-z_]+\.[a-z_]+)'""", text):
        used.add((key, page.name))
    for key in re.findall(r'data-i18n="([a-z_]+\.[a-z_]+)"', text):
        used.add((key, page.name))
    # Keys passed as strings to be translated later: 'manager.col_who', ...
    for key in re.findall(r"'((?:manager|praise|me|board|wall|signin|nav)\.[a-z_]+)'", text):
        used.add((key, page.name))
for key, page in sorted(used):
    if key not in english:
        problems.append(f"{page}: message {key} is not in i18n/en.json")
for language, catalogue in catalogues.items():
    for key, text in english.items():
        if key not in catalogue:
            problems.append(f"i18n/{language}.json: no {key}")
            continue
        want = sorted(re.findall(r"\{\d\}", text))
        got = sorted(re.findall(r"\{\d\}", catalogue[key]))
        if want != got:
            problems.append(f"i18n/{language}.json: {key} has placeholders {got}, English {want}")
    for key in catalogue:
        if key not in english:
            problems.append(f"i18n/{language}.json: {key} is not an English key")
for problem in problems:
    print("FAIL: " + problem)
if problems:
    sys.exit(1)
print(f"PASS: {len(used)} uses, {len(english)} keys in {len(catalogues)} languages")
