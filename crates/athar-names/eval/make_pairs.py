#!/usr/bin/env python3
"""Builds the labelled evaluation set eval/pairs.tsv from eval/spellings.tsv.

Deterministic (seeded). Columns: left, right, same (1/0), category.
Same-name pairs: Arabic <-> each Latin spelling, Latin <-> Latin, Arabic orthographic variants
(hamza, ta marbuta, alef maqsura, tashkeel, tatweel, invisible marks, glued compounds), and full
names (given father family) across scripts with dropped fathers, article forms (al-/el-/glued/
assimilated/none), family-name-first order, abbreviations (Mhd), titles.
Different-name pairs: hard negatives (same or near skeleton: حسن/حسين, عمر/عمار/عامر, سمير/سامر,
محمد/محمود, جمال/جميل, ...), compounds against their bare stem (عبد الكريم/كريم, أبو بكر/بكر),
compounds against each other, random different names, and full names that disagree on one unit.
Usage: python3 eval/make_pairs.py [--seed N] [--spellings eval/spellings.tsv] [--out eval/pairs.tsv]
"""
import argparse
import itertools
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

# Confusable sets (same or near consonant skeleton, different names).
CONFUSABLE = [
    ["حسن", "حسين"], ["عمر", "عمار", "عامر"], ["سمير", "سامر"], ["محمد", "محمود"],
    ["جمال", "جميل"], ["سالم", "سليم", "سلام"], ["سعيد", "سعاد"], ["أيمن", "أمين"],
    ["حسام", "هشام"], ["ناصر", "نزار"], ["أحمد", "محمد"], ["منير", "منذر"], ["وليد", "وائل"],
    ["مازن", "مأمون"], ["ماهر", "مهند"], ["باسل", "بسام"], ["عادل", "عدنان"], ["كريم", "كمال"],
    ["أنس", "أنور"], ["رامي", "رنا"], ["هبة", "هدى"], ["سلمى", "سليم"], ["نبيل", "بلال"],
    ["يحيى", "يوسف"], ["فادي", "فراس"], ["عماد", "عمار"], ["خالد", "خديجة"], ["نور", "أنور"],
    ["منير", "أمين"], ["بكر", "بشار"], ["حمزة", "حسام"], ["رياض", "رضوان"], ["جهاد", "جمال"],
    ["وسيم", "وائل"], ["تامر", "عامر"], ["سليمان", "سليم"], ["عثمان", "عدنان"], ["ليلى", "نبيل"],
    ["الحسيني", "حسين"], ["الحسن", "الحسيني"], ["الخطيب", "الطويل"], ["الحلبي", "الحكيم"],
    ["الدباغ", "الصباغ"], ["حداد", "النجار"], ["الشامي", "الحمصي"], ["المصري", "الزعبي"],
    ["شحادة", "سعاد"], ["نور الدين", "نور"], ["صلاح الدين", "صالح"],
    ["علي", "علاء الدين"],
]

ARTICLE_SUN = set("تثدذرزسشصضطظلن")
SUN_LATIN = {"ت": "at", "ث": "ath", "د": "ad", "ذ": "adh", "ر": "ar", "ز": "az", "س": "as",
             "ش": "ash", "ص": "as", "ض": "ad", "ط": "at", "ظ": "az", "ن": "an", "ل": "al"}


def load(path):
    groups = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#confusable:"):
                CONFUSABLE.append(line.split(":", 1)[1].split())
                continue
            if not line or line.startswith("#"):
                continue
            ar, kind, sp = line.split("\t")
            groups.append((ar, kind, [s for s in sp.split("|") if s]))
    return groups


def identity(ar):
    """Same name unit regardless of the article (العلي = علي)."""
    s = ar.replace(" ", "")
    if s.startswith("ال") and len(s) > 3 and s != "الياس":
        s = s[2:]
    for a, b in (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ة", "ه"), ("ى", "ي")):
        s = s.replace(a, b)
    return s


def arabic_variants(ar, rng):
    out = set()
    folded = ar
    for a, b in (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ة", "ه"), ("ى", "ي"), ("ئ", "ي"), ("ؤ", "و")):
        folded = folded.replace(a, b)
    if folded != ar:
        out.add(folded)
    # tashkeel on the first letters, shadda on one
    if len(ar) >= 3:
        out.add(ar[0] + "\u064F" + ar[1] + "\u064E" + ar[2:])
        out.add(ar[:2] + "\u0651" + ar[2:])
    # tatweel
    if len(ar) >= 3:
        out.add(ar[:2] + "ـــ" + ar[2:])
    # invisible marks
    out.add("\u200F" + ar + "\u200C")
    # compounds glued / family without article
    if " " in ar:
        out.add(ar.replace(" ", ""))
    if ar.startswith("ال") and len(ar) > 4 and ar != "الياس":
        out.add(ar[2:])
    vs = sorted(out)
    rng.shuffle(vs)
    return vs[:3]


def article_forms(ar, sp, rng):
    """Latin family-name forms: with al-/el-, glued, assimilated or without the article."""
    if not ar.startswith("ال"):
        return [sp]
    first = ar[2] if len(ar) > 2 else ""
    forms = [sp, "Al-" + sp, "al-" + sp, "El-" + sp, "Al " + sp, "El " + sp, "Al" + sp.lower()]
    if first in ARTICLE_SUN:
        a = SUN_LATIN[first]
        forms.append(a.capitalize() + "-" + sp)
    rng.shuffle(forms)
    return forms[:3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "pairs.tsv"))
    ap.add_argument("--spellings", default=os.path.join(HERE, "spellings.tsv"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    groups = load(args.spellings)
    by_ar = {g[0]: g for g in groups}
    rows = []

    def add(a, b, same, cat):
        if a.strip() and b.strip() and a != b:
            rows.append((a, b, 1 if same else 0, cat))

    # ---- same-name unit pairs
    for ar, kind, sps in groups:
        for sp in sps:
            lat = rng.choice(article_forms(ar, sp, rng)) if kind == "f" else sp
            add(ar, lat, True, "same_unit_ar_la")
        pairs = list(itertools.combinations(sps, 2))
        rng.shuffle(pairs)
        for a, b in pairs[:7]:
            add(a, b, True, "same_unit_la_la")
        for v in arabic_variants(ar, rng):
            add(ar, v, True, "same_unit_ar_ar")

    givens = [g for g in groups if g[1] in ("g", "c")]
    simple_givens = [g for g in groups if g[1] == "g"]
    families = [g for g in groups if g[1] == "f"]
    muhammad = by_ar.get("محمد", givens[0])

    def latin_name(parts, rng):
        return " ".join(parts)

    # ---- same-name full names
    for i in range(900):
        gv = rng.choice(givens) if rng.random() > 0.15 else muhammad
        fa = rng.choice(simple_givens)
        fm = rng.choice(families)
        ar_parts = [gv[0], fa[0], fm[0]]
        la_parts = [rng.choice(gv[2]), rng.choice(fa[2]), rng.choice(article_forms(fm[0], rng.choice(fm[2]), rng))]
        la2_parts = [rng.choice(gv[2]), rng.choice(fa[2]), rng.choice(article_forms(fm[0], rng.choice(fm[2]), rng))]
        r = rng.random()
        # one side drops the father's name
        if r < 0.25:
            ar_parts = [ar_parts[0], ar_parts[2]]
        elif r < 0.4:
            la_parts = [la_parts[0], la_parts[2]]
        # family name first on the Latin side
        if rng.random() < 0.1:
            la_parts = [la_parts[-1]] + la_parts[:-1]
        if rng.random() < 0.05:
            la_parts = ["Dr."] + la_parts
        if rng.random() < 0.05:
            ar_parts = ["الشهيد"] + ar_parts
        if i % 3 == 0:
            add(" ".join(ar_parts), latin_name(la_parts, rng), True, "same_full_ar_la")
        elif i % 3 == 1:
            add(latin_name(la_parts, rng), latin_name(la2_parts, rng), True, "same_full_la_la")
        else:
            v = [rng.choice(arabic_variants(p, rng) or [p]) if rng.random() < 0.5 else p for p in ar_parts]
            add(" ".join(ar_parts), " ".join(v), True, "same_full_ar_ar")

    # ---- hard negatives: confusable names
    for cset in CONFUSABLE:
        for x, y in itertools.permutations(cset, 2):
            if x not in by_ar or y not in by_ar:
                continue
            gx, gy = by_ar[x], by_ar[y]
            lat_x = set(s.lower() for s in gx[2])
            ys = [s for s in gy[2] if s.lower() not in lat_x]
            for sp in ys:
                add(x, sp, False, "diff_hard_ar_la")
            pairs = [(a, b) for a in gx[2] for b in ys if a.lower() != b.lower()]
            rng.shuffle(pairs)
            for a, b in pairs[:6]:
                add(a, b, False, "diff_hard_la_la")
            if x < y:
                add(x, y, False, "diff_hard_ar_ar")

    # ---- compounds against their bare stem and against each other
    compounds = [g for g in groups if g[1] == "c"]
    for ar, _, sps in compounds:
        words = ar.split(" ")
        if words[0] in ("عبد", "أبو"):
            stem = words[1]
            stem_bare = stem[2:] if stem.startswith("ال") else stem
            add(ar, stem_bare, False, "diff_compound_stem")
            for sp in sps[:4]:
                low = sp.lower().replace("-", " ")
                for pre in ("abdul", "abdel", "abd al", "abd el", "abd ar", "abd ", "abou ", "abu ", "abo "):
                    if low.startswith(pre) and len(low) > len(pre) + 2:
                        rest = sp[len(pre):].strip(" -")
                        if rest.lower().startswith(("al-", "el-", "ar-")):
                            rest = rest[3:]
                        add(sp, rest.capitalize(), False, "diff_compound_stem")
                        add(ar, rest.capitalize(), False, "diff_compound_stem")
                        break
    for (a, _, sa), (b, _, sb) in itertools.combinations(compounds, 2):
        if rng.random() < 0.35:
            add(a, rng.choice(sb), False, "diff_compound_compound")
            add(rng.choice(sa), rng.choice(sb), False, "diff_compound_compound")

    # ---- random different names
    for _ in range(500):
        gx, gy = rng.sample(groups, 2)
        if identity(gx[0]) == identity(gy[0]):
            continue
        if set(s.lower() for s in gx[2]) & set(s.lower() for s in gy[2]):
            continue
        if rng.random() < 0.5:
            add(gx[0], rng.choice(gy[2]), False, "diff_random_ar_la")
        else:
            add(rng.choice(gx[2]), rng.choice(gy[2]), False, "diff_random_la_la")

    # ---- full names that disagree on one unit (conflict), same other parts
    conf_pairs = [(x, y) for c in CONFUSABLE for x, y in itertools.permutations(c, 2)
                  if x in by_ar and y in by_ar and by_ar[x][1] != "f" and by_ar[y][1] != "f"]
    for i in range(800):
        fm = rng.choice(families)
        fa = rng.choice(simple_givens)
        if rng.random() < 0.6:
            x, y = rng.choice(conf_pairs)
        else:
            gx, gy = rng.sample(givens, 2)
            x, y = gx[0], gy[0]
            if identity(x) == identity(y):
                continue
        gx, gy = by_ar[x], by_ar[y]
        if set(s.lower() for s in gx[2]) & set(s.lower() for s in gy[2]):
            continue
        slot = rng.random()
        left_ar = [x, fa[0], fm[0]]
        fam_lat = rng.choice(article_forms(fm[0], rng.choice(fm[2]), rng))
        if slot < 0.7:
            # different given name, same father and family
            right_lat = [rng.choice(gy[2]), rng.choice(fa[2]), fam_lat]
            right_ar = [y, fa[0], fm[0]]
        else:
            # same given and family, different father
            g2 = rng.choice(givens)
            left_ar = [g2[0], x, fm[0]]
            right_lat = [rng.choice(g2[2]), rng.choice(gy[2]), fam_lat]
            right_ar = [g2[0], y, fm[0]]
        if i % 3 == 0:
            add(" ".join(left_ar), " ".join(right_lat), False, "diff_full_ar_la")
        elif i % 3 == 1:
            left_lat = [rng.choice(by_ar[p][2]) if p in by_ar else p for p in left_ar[:2]] + [fam_lat]
            add(" ".join(left_lat), " ".join(right_lat), False, "diff_full_la_la")
        else:
            add(" ".join(left_ar), " ".join(right_ar), False, "diff_full_ar_ar")

    seen = set()
    uniq = []
    for r in rows:
        k = (r[0], r[1])
        if k in seen:
            continue
        seen.add(k)
        uniq.append(r)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("left\tright\tsame\tcategory\n")
        for a, b, s, c in uniq:
            f.write(f"{a}\t{b}\t{s}\t{c}\n")
    n_same = sum(r[2] for r in uniq)
    print(f"{len(uniq)} pairs: {n_same} same, {len(uniq) - n_same} different -> {args.out}")


if __name__ == "__main__":
    main()
