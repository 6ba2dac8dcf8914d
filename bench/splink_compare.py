#!/usr/bin/env python3
"""Runs Splink 5 (DuckDB backend) on the lists `athar gen` writes, with a sensible model for
them, and writes `record_id,cluster_id` so that `athar eval` scores it exactly like Athar.

Usage: splink_compare.py GEN_DIR OUT_CLUSTERS.csv  → prints {"seconds": …, "pairs": …} on stdout.

Splink has no notion of Arabic script, so names are given to it the way a careful analyst
would prepare them: folded (diacritics, hamza forms, ta marbuta, articles) and reduced to the
same cross-script consonant skeleton Athar uses (Arabic and Latin letters onto one class
alphabet), plus the folded spelling for exact agreement. Then: term-frequency adjusted name
comparisons with Jaro-Winkler fall-backs on the skeleton, birth year / date, sex, governorate,
prison number and national ID; u from random sampling, m by EM over two blocking rules that
exclude each other's fields; prediction over seven blocking rules in union; connected
components at probability 0.5 (Splink's clustering).
"""
import csv
import json
import re
import sys
import time
import unicodedata

import pandas as pd
import splink.comparison_library as cl
import splink.comparison_level_library as cll
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI

AR = {}
for letters, cls in [("بپ", "B"), ("تطث", "T"), ("جژ", "J"), ("حه", "H"), ("خ", "X"), ("دضذ", "D"),
                     ("زظ", "Z"), ("سص", "S"), ("شچ", "C"), ("فڤ", "F"), ("قكک", "K"), ("غگ", "G"),
                     ("ل", "L"), ("م", "M"), ("ن", "N"), ("ر", "R")]:
    for ch in letters:
        AR[ch] = cls
LATIN = [("sch", "C"), ("sh", "C"), ("ch", "C"), ("kh", "X"), ("gh", "G"), ("th", "T"), ("dh", "D"),
         ("dj", "J"), ("ph", "F"), ("ck", "K"), ("q", "K"), ("k", "K"), ("c", "K"), ("g", "G"), ("b", "B"),
         ("p", "B"), ("f", "F"), ("v", "F"), ("x", "X"), ("t", "T"), ("d", "D"), ("z", "Z"), ("s", "S"),
         ("j", "J"), ("h", "H"), ("l", "L"), ("m", "M"), ("n", "N"), ("r", "R")]
ARTICLES = {"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ed", "er", "es", "et", "ez", "en", "ال"}
ABBREV = {"mhd": "muhammad", "mohd": "muhammad", "md": "muhammad"}
INVISIBLE = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u0640]")


def fold(s):
    s = INVISIBLE.sub("", s or "")
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = s.translate(str.maketrans("أإآٱةىؤئ", "اااايهوي")).lower()
    s = re.sub(r"[^\w]+", " ", s).strip()
    return s


def skel_word(w):
    if re.search("[\u0600-\u06ff]", w):
        if w.startswith("ال") and len(w) > 3:
            w = w[2:]
        out = [AR[c] for i, c in enumerate(w) if c in AR] if True else []
        if w[:1] in "وي" and w:
            out.insert(0, "W" if w[0] == "و" else "Y")
    else:
        w = ABBREV.get(w, w)
        if len(w) > 4 and w[:2] in ("al", "el"):
            w = w[2:]
        out, i = [], 0
        if w[:1] in "wy":
            out.append(w[0].upper())
            i = 1
        while i < len(w):
            for pat, cls in LATIN:
                if w.startswith(pat, i):
                    out.append(cls)
                    i += len(pat)
                    break
            else:
                i += 1
    dedup = [c for j, c in enumerate(out) if j == 0 or c != out[j - 1]]
    if len(dedup) > 1 and dedup[-1] == "H":
        dedup.pop()
    return "".join(dedup)


def skeleton(name):
    words = [w for w in fold(name).split() if w not in ARTICLES]
    merged, i = [], 0
    while i < len(words):
        w = words[i]
        if w in ("abd", "abdul", "abdel", "عبد", "abu", "ابو") and i + 1 < len(words):
            merged.append(w + words[i + 1])
            i += 2
            continue
        merged.append(w)
        i += 1
    return " ".join(skel_word(w) for w in merged) or None


def digits(s):
    s = (s or "").translate(str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789"))
    s = re.sub(r"\W", "", s).upper()
    return s or None


def parse_date(s):
    s = digits(s) and (s or "").translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")).strip()
    if not s:
        return None, None
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", s)
    if m:
        y, mo, d = m.groups()
    else:
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s)
        if not m:
            return None, None
        d, mo, y = m.groups()
    full = f"{y}-{int(mo):02d}-{int(d):02d}" if mo and d else None
    return int(y), full


def load(gen_dir):
    rows = []
    for name in ("prison", "family", "survivor"):
        with open(f"{gen_dir}/{name}.csv", newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                full = r.get("full_name") or ""
                first, father, gf, fam = r["first_name"], r["father_name"], r["grandfather_name"], r["family_name"]
                if full and not (first or father or fam):
                    parts = full.split()
                    first = parts[0] if parts else ""
                    fam = parts[-1] if len(parts) >= 2 else ""
                    father = parts[1] if len(parts) >= 3 else ""
                    gf = parts[2] if len(parts) >= 4 else ""
                year, date = parse_date(r["birth_date"])
                if year is None and r.get("birth_year"):
                    year, _ = parse_date(r["birth_year"])
                sex = {"m": "M", "male": "M", "ذكر": "M", "f": "F", "female": "F", "أنثى": "F"}.get((r["sex"] or "").strip().lower())
                rows.append({
                    "unique_id": r["id"], "source": r["source"],
                    "first": fold(first) or None, "first_sk": skeleton(first),
                    "father_sk": skeleton(father), "gf_sk": skeleton(gf),
                    "family_sk": skeleton(fam), "mother_sk": skeleton(r["mother_name"]),
                    "birth_year": year, "birth_date": date, "sex": sex,
                    "gov_sk": skeleton(r["governorate"]),
                    "prison_number": digits(r["prison_number"]), "national_id": digits(r["national_id"]),
                })
    return pd.DataFrame(rows)


def name_comparison(col, tf=True):
    return cl.CustomComparison(
        output_column_name=col,
        comparison_levels=[
            cll.NullLevel(col),
            cll.ExactMatchLevel(col, term_frequency_adjustments=tf),
            cll.JaroWinklerLevel(col, 0.92),
            cll.JaroWinklerLevel(col, 0.8),
            cll.ElseLevel(),
        ],
    )


def main():
    gen_dir, out = sys.argv[1], sys.argv[2]
    t0 = time.time()
    df = load(gen_dir)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            name_comparison("first_sk"),
            name_comparison("father_sk"),
            cl.ExactMatch("gf_sk"),
            name_comparison("family_sk"),
            name_comparison("mother_sk"),
            cl.CustomComparison(
                output_column_name="birth",
                comparison_levels=[
                    cll.NullLevel("birth_year"),
                    cll.ExactMatchLevel("birth_date"),
                    cll.ExactMatchLevel("birth_year"),
                    cll.AbsoluteDifferenceLevel("birth_year", 1),
                    cll.AbsoluteDifferenceLevel("birth_year", 3),
                    cll.ElseLevel(),
                ],
            ),
            cl.ExactMatch("sex"),
            cl.ExactMatch("gov_sk"),
            cl.ExactMatch("prison_number"),
            cl.ExactMatch("national_id"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_sk", "father_sk"),
            block_on("first_sk", "family_sk"),
            block_on("first_sk", "birth_year"),
            block_on("family_sk", "mother_sk"),
            block_on("father_sk", "family_sk"),
            block_on("prison_number"),
            block_on("national_id"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_sk", "father_sk", "family_sk", "birth_year")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_sk", "family_sk"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_year", "mother_sk"))
    pred = linker.inference.predict(threshold_match_probability=0.1)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.5).as_pandas_dataframe()
    seconds = time.time() - t0
    clusters[["unique_id", "cluster_id"]].rename(columns={"unique_id": "record_id"}).to_csv(out, index=False)
    print(json.dumps({"seconds": round(seconds, 2), "records": len(df)}))


if __name__ == "__main__":
    main()
