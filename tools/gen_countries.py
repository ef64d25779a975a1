#!/usr/bin/env python3
"""Generate crates/redline/data/actors/countries.txt from the mledoze/countries gazetteer.

Source: ../shared/data/gazetteer/mledoze-countries.json (https://github.com/mledoze/countries,
ODbL 1.0; see NOTICE). Selected: every UN member state, the observer states Holy See (VAT) and
Palestine (PSE), Kosovo (coded KSV as in CAMEO) and Taiwan (TWN). For each one it writes

    country   ISO3 : common name ; official name ; English alternative spellings
    adjective ISO3 : English demonyms (adjectival in English: "Russian", "North Korean")
    people    ISO3 : plural demonyms ("Russians"), unless identical to the adjective ("Chinese")
    capital   ISO3 : capital, unless it is also a name of the country ("Singapore")

in the format of docs/dictionaries.md. Alternative spellings are kept only when they are English:
two-letter ISO codes, inverted ISO forms ("Korea, Republic of") and native-language names are
dropped. A phrase that would name two countries within one kind ("Congolese") is dropped from both,
and so is a small hand list of ambiguous names; the dropped phrases are reported on stderr (with -v,
every dropped alternative spelling too). Hand-written synonyms, nicknames and metonyms belong in
actors/synonyms.txt, not here. Run from the repo root:

    python3 tools/gen_countries.py [../shared/data/gazetteer/mledoze-countries.json] [-v]
"""
import json
import os
import re
import sys
import unicodedata
from collections import defaultdict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:] if a != "-v"]
VERBOSE = "-v" in sys.argv[1:]
SRC = args[0] if args else os.path.join(REPO, "..", "shared", "data", "gazetteer", "mledoze-countries.json")
OUT = os.path.join(REPO, "crates", "redline", "data", "actors", "countries.txt")

EXTRA = {"VAT", "PSE", "TWN"}  # non-members included besides Kosovo
CODE_FIX = {"XK": "KSV"}  # by cca2: Kosovo is user-assigned XK/XKX (UNK in some releases); CAMEO KSV

# Words that may appear in an English long-form name without being part of the short name.
TITLE_WORDS = set("""
Republic Kingdom State States of the and Federal Democratic People's Islamic Arab Socialist United
Union Federation Commonwealth Principality Grand Duchy Sultanate Independent Sovereign Federative
Plurinational Bolivarian Oriental Co-operative Cooperative Hashemite Confederation Nation Most Serene
City Islands
""".split())

# English alternative names that the word rule below would reject.
ENGLISH_ALT = {
    "Burma", "Holland", "Swaziland", "Great Britain", "Holy See", "Viet Nam", "Côte d'Ivoire",
    "Maldive Islands", "Brunei Darussalam", "DR Congo", "Chinese Taipei", "Republic of Turkey",
}
# Two-letter ISO codes that are also the usual English abbreviation (all-caps: exact match only).
KEEP_ISO2 = {"US"}

# Alternative spellings that are adjectives in English usage, not names of the state.
ALT_TO_ADJECTIVE = {"Saudi", "Lao", "Thai", "Togolese"}

# Names that are ambiguous in news text although the data gives them to one country only
# (for phrases listed under two codes the check is automatic).
AMBIGUOUS = {
    "Congo": "Republic of the Congo or DR Congo",
    "Korea": "North or South Korea",
    "Korean": "North or South Korean",
    "Koreans": "North or South Koreans",
    "Timor": "island shared by Timor-Leste and Indonesia",
}
AMBIGUOUS_CAPITAL = {
    "Victoria": "Seychelles capital; also Australian state, person name",
    "Georgetown": "Guyana capital; also Washington neighbourhood and university",
}
# ASCII foldings that would be common words or other places.
NO_FOLD = {"Malé": "Male", "San José": "San Jose (California)"}

# Demonym data that is wrong or not adjectival; replaces the gazetteer's English demonyms.
ADJ_OVERRIDE = {
    "DJI": ["Djiboutian"],
    "KGZ": ["Kyrgyz", "Kyrgyzstani"],
    "TJK": ["Tajik", "Tajikistani"],
    "ISL": ["Icelandic", "Icelander"],
    "LUX": ["Luxembourgish", "Luxembourger"],
    "SUR": ["Surinamese", "Surinamer"],
    "CPV": ["Cape Verdean", "Cape Verdian"],
    "ECU": ["Ecuadorian", "Ecuadorean"],
    "MDV": ["Maldivian"],
    "COM": ["Comorian", "Comoran"],
    "GNB": ["Bissau-Guinean"],
}
# Plural demonyms that are not adjective + s ([] = none distinct from the adjective).
PEOPLE_OVERRIDE = {
    "GBR": ["Britons"],
    "ESP": ["Spaniards"],
    "POL": ["Poles"],
    "DNK": ["Danes"],
    "FIN": ["Finns"],
    "SWE": ["Swedes"],
    "TUR": ["Turks"],
    "IRL": [],
    "FRA": [],
    "NLD": [],
    "BWA": ["Batswana"],
    "LSO": ["Basotho"],
    "KGZ": ["Kyrgyzstanis"],
    "TJK": ["Tajiks", "Tajikistanis"],
    "TKM": ["Turkmens"],
    "ISL": ["Icelanders"],
    "LUX": ["Luxembourgers"],
    "SUR": ["Surinamers"],
    "VAT": [],
}
NO_PLURAL = {"Swiss", "Malagasy", "Burkinabe", "I-Kiribati", "Ni-Vanuatu", "Lao", "Kyrgyz"}

report = []  # lines for stderr


def note(msg, verbose_only=False):
    if VERBOSE or not verbose_only:
        report.append(msg)


def fold(s):
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def words(s):
    return [w for w in re.split(r"[\s\-]+", s) if w]


def add(lst, phrase):
    phrase = " ".join(phrase.split())
    if phrase and phrase not in lst:
        lst.append(phrase)


def with_variants(lst, saint=True):
    """Add ASCII foldings and (unless saint=False) 'St.' for 'Saint'."""
    out = []
    for p in lst:
        add(out, p)
        f = fold(p)
        if f != p:
            if p in NO_FOLD:
                note(f"skipped folding {p!r} -> {f!r}: {NO_FOLD[p]}")
            else:
                add(out, f)
        if saint and p.startswith("Saint "):
            add(out, "St. " + p[len("Saint "):])
    return out


def split_parens(s):
    m = re.match(r"^(.*?)\s*\((.*)\)\s*$", s)
    return [m.group(1), m.group(2)] if m else [s]


def strip_the(s):
    return s[4:] if s.startswith(("The ", "the ")) else s


def plural(form):
    if form in NO_PLURAL or form.endswith(("ese", "ss", "s")):
        return None
    if form.endswith(("sh", "ch")) and not form.endswith("Czech"):
        raise SystemExit(f"no plural rule for {form!r}: add it to PEOPLE_OVERRIDE")
    return form + "s"


with open(SRC, encoding="utf-8") as f:
    data = json.load(f)

entries = {}  # code -> dict(kind -> [phrases]), plus "name"
for c in data:
    code = CODE_FIX.get(c["cca2"], c["cca3"])
    if not (c.get("unMember") or code in EXTRA or code == "KSV"):
        continue
    common, official = c["name"]["common"], c["name"]["official"]
    dem = c.get("demonyms", {}).get("eng", {})

    # Adjectives.
    adjs = []
    if code in ADJ_OVERRIDE:
        adjs = list(ADJ_OVERRIDE[code])
    else:
        for g in ("m", "f"):
            for form in re.split(r",| or ", dem.get(g, "")):
                add(adjs, form)

    # Country names.
    names = []
    for p in [common] + split_parens(official):
        if "," in p:
            note(f"{code}: dropped official name with comma {p!r}", True)
            continue
        add(names, strip_the(p))
    name_words = set()
    for p in names + adjs + c.get("capital", []):
        name_words.update(words(p))
        name_words.update(words(fold(p)))
    distinctive = (set(words(common)) | set(words(fold(common))) |
                   {w for a in adjs for w in words(a)}) - TITLE_WORDS
    for alt in c.get("altSpellings", []):
        for p in split_parens(alt):
            p = strip_the(p.strip())
            if p in names or (p == c["cca2"] and p not in KEEP_ISO2):
                continue  # already listed, or ISO alpha-2
            if "," in p:
                note(f"{code}: dropped inverted form {p!r}", True)
                continue
            if p in ALT_TO_ADJECTIVE:
                add(adjs, p)
                continue
            ws = words(p)
            if (p in ENGLISH_ALT or re.fullmatch(r"[A-Z]{2,}", p)
                    or (all(w in name_words or w in TITLE_WORDS for w in ws)
                        and any(w in distinctive for w in ws))):
                add(names, p)
            else:
                note(f"{code}: dropped non-English alt spelling {p!r}", True)

    capitals = c.get("capital", [])[:1]  # the first is the seat of government (ZAF: Pretoria)

    people = []
    if code in PEOPLE_OVERRIDE:
        people = list(PEOPLE_OVERRIDE[code])
    else:
        for a in adjs:
            p = plural(a)
            if p:
                add(people, p)

    entries[code] = {
        "name": common,
        "country": with_variants(names),
        "adjective": with_variants(adjs),
        "people": with_variants(people),
        "capital": with_variants(capitals, saint=False),  # St. John's: Newfoundland
    }

missing = {"KSV", "VAT", "PSE", "TWN", "PRK", "KOR", "RUS"} - set(entries)
if missing:
    raise SystemExit(f"not found in {SRC}: {sorted(missing)}")

KINDS = ("country", "adjective", "people", "capital")

# Hand-listed ambiguous names.
for e in entries.values():
    for kind in KINDS:
        for p in list(e[kind]):
            why = AMBIGUOUS.get(p) or (AMBIGUOUS_CAPITAL.get(p) if kind == "capital" else None)
            if why:
                e[kind].remove(p)
                note(f"ambiguous: dropped {kind} {p!r}: {why}")

# Phrases under two codes within one kind: drop from all of them.
for kind in KINDS:
    owners = defaultdict(set)
    for code, e in entries.items():
        for p in e[kind]:
            owners[p.casefold()].add(code)
    for key, codes in sorted(owners.items()):
        if len(codes) > 1:
            for code in codes:
                e = entries[code]
                e[kind] = [p for p in e[kind] if p.casefold() != key]
            note(f"ambiguous: dropped {kind} {key!r} from {', '.join(sorted(codes))}")

# A name of the country also listed as adjective, people or capital: keep it as a country name only.
all_names = {p.casefold(): code for code, e in entries.items() for p in e["country"]}
for code, e in entries.items():
    for kind in ("adjective", "people", "capital"):
        for p in list(e[kind]):
            if p.casefold() in all_names:
                e[kind].remove(p)
                note(f"{code}: dropped {kind} {p!r}: also a country name of {all_names[p.casefold()]}")

with open(OUT, "w", encoding="utf-8") as f:
    f.write("# GENERATED by tools/gen_countries.py from mledoze/countries (ODbL 1.0,\n"
            "# https://github.com/mledoze/countries). Do not edit by hand: change the script and\n"
            "# re-run it. Hand-written synonyms, nicknames and metonyms go in synonyms.txt.\n")
    for code in sorted(entries):
        e = entries[code]
        f.write(f"\n# {e['name']}\n")
        for kind in KINDS:
            if e[kind]:
                f.write(f"{kind:<9} {code} : {' ; '.join(e[kind])}\n")

counts = {k: sum(1 for e in entries.values() if e[k]) for k in KINDS}
for line in report:
    print(line, file=sys.stderr)
print(f"wrote {os.path.relpath(OUT, REPO)}: {len(entries)} countries, lines per kind {counts}",
      file=sys.stderr)
