//! Name units: tokenization of a name into units (compounds such as عبد الرحمن / Abdul Rahman
//! as one unit, articles as a flag, titles stripped, abbreviations expanded; research note
//! §2.3) and the precomputed keys of each unit.

use serde::Serialize;

use crate::fold::{Script, Token, fold_arabic_k, tokens};
use crate::lexicon::{
    ARABIC_TITLES, ARTICLE_EXCEPTIONS, DOUBLE_GIVEN, LATIN_ARTICLES, LATIN_MUHAMMAD_ABBREVIATIONS,
    LATIN_TITLES, LEXICON,
};
use crate::skeleton::{
    Key, KeyBuilder, Profile, arabic_builder, flag, latin_builder, latin_builder_in,
    latin_profile_text, turkic_epenthesis, wants_turkic,
};

/// What a unit is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// One word.
    Simple,
    /// عبد + divine name (Abd al-Rahman). Never equal to the bare second part.
    Abd,
    /// أبو + X (family name or kunya).
    Abu,
    /// أم + X (kunya).
    Umm,
    /// بن / ابن / بنت + X (nasab).
    Bin,
    /// X + الدين (Nour al-Din).
    Din,
    /// X + الله (Fadlallah).
    Allah,
    /// محمد + second given name (محمد خير); its parts are compared too.
    DoubleGiven,
    /// An abbreviation of محمد (Mhd, م.).
    Abbreviation,
}

/// One name unit with its precomputed keys. Built by [`crate::Name::parse`].
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    /// The tokens as cleaned (Latin diacritics kept), space-separated.
    pub raw: String,
    /// Display form: level-C Arabic or folded Latin, article included, space-separated.
    pub text: String,
    /// Arabic or Latin.
    pub script: Script,
    /// Simple word or which compound.
    pub kind: UnitKind,
    /// The unit carried the article (ال, al-, el- …).
    pub article: bool,
    /// Canonical Arabic form: the unit itself if Arabic, the attested Arabic unit if a Latin
    /// spelling is attested for exactly one.
    pub arabic: Option<String>,
    /// Exact-match key: level-K Arabic or folded Latin, letters only, without the unit's own
    /// article.
    pub key: String,
    /// For a Latin word with a glued `al`/`el`, the key without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_key: Option<String>,
    /// 64-bit hash of `key` (fast equality).
    #[serde(skip)]
    pub key_id: u64,
    /// Skeletons with vowel signatures: the primary reading first, then the alternatives
    /// (Turkic/Kurdish profile, glued article removed).
    pub keys: Vec<Key>,
    /// Variant-table groups this spelling is attested for.
    pub groups: Vec<u16>,
    /// For an unattested Latin spelling: groups of the nearest attested spellings.
    pub near: Vec<u16>,
    /// The parts of a [`UnitKind::DoubleGiven`] unit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Unit>,
}

impl Unit {
    /// The keys to look up in the variant table.
    pub fn lookup_keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key.as_str()).chain(self.alt_key.as_deref())
    }

    /// The primary skeleton.
    pub fn skeleton(&self) -> crate::Skeleton {
        self.keys.first().map(|k| k.skeleton).unwrap_or_default()
    }

    /// A key stable across scripts and spellings, for term frequencies and blocking: the
    /// variant group when the unit is attested for exactly one, otherwise the skeleton.
    pub fn term_key(&self) -> u64 {
        match self.groups.as_slice() {
            [g] => (1u64 << 63) | u64::from(*g),
            _ => match self.near.as_slice() {
                [g] if self.groups.is_empty() => (1u64 << 63) | u64::from(*g),
                _ => self.skeleton().0,
            },
        }
    }
}

/// FNV-1a, deterministic across runs and platforms.
pub fn hash64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const DIN_FORMS: &[&str] = &[
    "din", "deen", "dine", "eddine", "eddin", "eddeen", "uddin", "uddine", "uddeen", "addin",
    "addine", "aldin", "aldine", "eldin", "eldine", "iddin", "iddine", "edine", "edin", "ddin",
    "ddine", "ildin", "ettin", "attin", "ittin", "uttin", "ettine",
];
const GLUED_DIN: &[&str] = &[
    "eddine", "eddin", "eddeen", "uddine", "uddin", "uddeen", "addine", "addin", "iddine", "iddin",
    "aldine", "aldin", "eldine", "eldin", "ildin", "edine", "edin", "ddine", "ddin", "ettine",
    "ettin", "attin", "ittin", "uttin",
];
/// Forms of الله glued to the preceding word (all in [`ALLAH_FORMS`]).
const GLUED_ALLAH: &[&str] = &["allah", "ullah", "ellah", "illah", "alla", "ulla"];
const ALLAH_FORMS: &[&str] = &[
    "allah", "alla", "ullah", "ulla", "ellah", "illah", "allaah", "ullaah", "ellaah",
];

/// The stem after a Latin abd-: a glued article `al`/`el`/`ul`… removed (Abdulaziz → aziz,
/// Abdallah → lah); a sun-letter or linking vowel is left, it does not change the skeleton.
fn abd_stem(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 4 && is_vowel(b[0]) && b[1] == b'l' {
        &s[2..]
    } else {
        s
    }
}

/// At least two different consonant letters.
fn two_consonants(s: &str) -> bool {
    let mut cons = s.bytes().filter(|c| !is_vowel(*c));
    cons.next().is_some_and(|first| cons.any(|c| c != first))
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

fn tok(text: &str, script: Script) -> Token {
    Token {
        raw: text.to_string(),
        text: text.to_string(),
        script,
        glued: false,
    }
}

/// Splits glued particles inside one token (عبدالرحمن, Abdulrahman, Noureddine, Abouzeid).
fn split_glued(t: &Token, out: &mut Vec<Token>) {
    let start = out.len();
    split_glued_inner(t, out);
    for (k, piece) in out[start..].iter_mut().enumerate() {
        piece.glued = k > 0 || t.glued;
    }
    // Alabdullah: the glued article stays an article of the compound after it.
    if out.len() >= start + 2
        && matches!(out[start].text.as_str(), "al" | "el")
        && out[start + 1].text.starts_with("abd")
    {
        out[start + 1].glued = false;
    }
}

fn split_glued_inner(t: &Token, out: &mut Vec<Token>) {
    let text = t.text.as_str();
    match t.script {
        Script::Arabic => {
            let n = text.chars().count();
            if n >= 8 && text.starts_with("العبدال") {
                out.push(tok("العبد", Script::Arabic));
                out.push(tok(&text["العبد".len()..], Script::Arabic));
                return;
            }
            if n >= 7 && text.starts_with("عبدال") {
                out.push(tok("عبد", Script::Arabic));
                out.push(tok(&text["عبد".len()..], Script::Arabic));
                return;
            }
            if n > 5 && text.ends_with("الدين") {
                let cut = text.len() - "الدين".len();
                split_glued(&tok(&text[..cut], Script::Arabic), out);
                out.push(tok("الدين", Script::Arabic));
                return;
            }
            if n >= 6 && (text.starts_with("أبو") || text.starts_with("ابو")) {
                let cut = "ابو".len();
                out.push(tok(&text[..cut], Script::Arabic));
                out.push(tok(&text[cut..], Script::Arabic));
                return;
            }
        }
        Script::Latin if text.is_ascii() => {
            // A glued article before abd- (Alabdullah): the article, then the compound.
            for art in ["al", "el"] {
                if let Some(rest) = text.strip_prefix(art)
                    && rest.len() >= 6
                    && rest.starts_with("abd")
                {
                    out.push(tok(art, Script::Latin));
                    split_glued(&tok(rest, Script::Latin), out);
                    return;
                }
            }
            if text.len() >= 6
                && text.starts_with("abd")
                && !matches!(text, "abdou" | "abdoun" | "abdouh" | "abduh" | "abdeh")
            {
                let rest = &text[3..];
                let stem = abd_stem(rest);
                if stem.len() >= 2 && stem.bytes().any(|c| !is_vowel(c)) {
                    out.push(tok("abd", Script::Latin));
                    out.push(tok(rest, Script::Latin));
                    return;
                }
            }
            for suf in GLUED_DIN {
                if let Some(prefix) = text.strip_suffix(suf)
                    && prefix.len() >= 2
                    && prefix.bytes().any(|c| !is_vowel(c))
                {
                    split_glued(&tok(prefix, Script::Latin), out);
                    out.push(tok(suf, Script::Latin));
                    return;
                }
            }
            // Fadlallah, Nasrullah: X + الله glued, as Fadel Allah is spaced. The stem has
            // two consonants of its own (not Attallah = عطا الله, whose a is the stem's ā,
            // nor Almullah, an article before الملا).
            for suf in GLUED_ALLAH {
                if let Some(prefix) = text.strip_suffix(suf)
                    && two_consonants(
                        prefix
                            .strip_prefix("al")
                            .or_else(|| prefix.strip_prefix("el"))
                            .unwrap_or(prefix),
                    )
                {
                    out.push(tok(prefix, Script::Latin));
                    out.push(tok(suf, Script::Latin));
                    return;
                }
            }
            for pre in ["abou", "aboo", "abu"] {
                if let Some(rest) = text.strip_prefix(pre)
                    && rest.len() >= 3
                    && rest.bytes().any(|c| !is_vowel(c))
                {
                    out.push(tok(pre, Script::Latin));
                    // Abulkhair, Aboul Fadl: the article's l glued to abu, before a consonant.
                    if let Some(stem) = rest.strip_prefix('l')
                        && stem.len() >= 3
                        && !stem.starts_with(|c: char| is_vowel(c as u8) || c == 'l')
                    {
                        out.push(tok("al", Script::Latin));
                        out.push(tok(stem, Script::Latin));
                        return;
                    }
                    out.push(tok(rest, Script::Latin));
                    return;
                }
            }
        }
        _ => {}
    }
    out.push(t.clone());
}

fn is_article(t: &Token) -> bool {
    match t.script {
        Script::Arabic => t.text == "ال",
        _ => LATIN_ARTICLES.contains(&t.text.as_str()),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Particle {
    Abd,
    Abu,
    Umm,
    Bin,
}

fn prefix_particle(t: &Token) -> Option<Particle> {
    let s = t.text.as_str();
    Some(match t.script {
        Script::Arabic => match s {
            "عبد" | "العبد" => Particle::Abd,
            "أبو" | "ابو" => Particle::Abu,
            "أم" | "ام" => Particle::Umm,
            "بن" | "ابن" | "بنت" => Particle::Bin,
            _ => return None,
        },
        _ => match s {
            "abd" | "abdul" | "abdel" | "abdal" | "abdol" | "abdil" | "abdoul" | "abdulla" => {
                Particle::Abd
            }
            // Abul, Aboul: abu with the article's l (Abul Khair, Aboul Fadl).
            "abu" | "abou" | "abo" | "aboo" | "abul" | "aboul" | "abol" => Particle::Abu,
            "umm" | "um" | "oum" | "om" => Particle::Umm,
            "bin" | "ben" | "ibn" | "bint" | "binte" => Particle::Bin,
            _ => return None,
        },
    })
}

fn is_din(t: &Token) -> bool {
    match t.script {
        Script::Arabic => t.text == "الدين",
        _ => DIN_FORMS.contains(&t.text.as_str()),
    }
}

fn is_allah(t: &Token) -> bool {
    match t.script {
        Script::Arabic => t.text == "الله",
        _ => ALLAH_FORMS.contains(&t.text.as_str()),
    }
}

/// An Arabic token that starts with the article: bare ا+ل, more than three letters, not an
/// exception (P1). Returns the stem.
fn arabic_article_stem(text: &str) -> Option<&str> {
    if text.starts_with("ال") && text.chars().count() > 3 && !ARTICLE_EXCEPTIONS.contains(&text) {
        Some(&text["ال".len()..])
    } else {
        None
    }
}

/// A Latin token with a glued al/el: the stem when at least three letters remain.
fn latin_glued_article_stem(text: &str) -> Option<&str> {
    ["al", "el"].iter().find_map(|p| {
        text.strip_prefix(p)
            .filter(|r| r.len() >= 3 && r.is_ascii() && !r.starts_with(['i', 'y']))
    })
}

/// A Latin word in a scholarly scheme (ALA-LC, DIN): a macron or a dot below on one of its
/// letters. Such a spelling marks every long vowel and every emphatic consonant.
fn scholarly(raw: &str) -> bool {
    raw.chars().any(|c| {
        matches!(
            c,
            'ā' | 'ī'
                | 'ū'
                | 'ḥ'
                | 'ṣ'
                | 'ḍ'
                | 'ṭ'
                | 'ẓ'
                | 'ḏ'
                | 'ṯ'
                | 'ḫ'
                | 'ǧ'
                | 'ġ'
                | '\u{0304}'
                | '\u{0323}'
        )
    })
}

/// Letters of Turkish spelling (Sâcid, Sācid: c is ج there), which no scholarly scheme uses.
fn turkish_letters(raw: &str) -> bool {
    let b: Vec<char> = raw.chars().collect();
    b.iter().enumerate().any(|(i, &c)| {
        matches!(c, 'ç' | 'ş' | 'ğ' | 'ı' | 'ö' | 'ü')
            || (c == 'c' && !matches!(b.get(i + 1), Some('h' | 'k')))
    })
}

/// ALA-LC writes a final alif maqṣūra as á (Mūsá, Hudá): in a scholarly word, a long ā.
fn scholarly_raw(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains('á') {
        std::borrow::Cow::Owned(raw.replace('á', "ā"))
    } else {
        std::borrow::Cow::Borrowed(raw)
    }
}

/// The stem of a Latin word that starts with the Maghrebi article l glued without its
/// vowel (Larbi, Lakhdar, Lhoussine): at least three letters with a consonant, not ll.
fn maghrebi_l_stem(s: &str) -> Option<&str> {
    let stem = s.strip_prefix('l')?;
    (stem.len() >= 3
        && !stem.starts_with('l')
        && stem.bytes().any(|c| !is_vowel(c) && c != b'y' && c != b'w'))
    .then_some(stem)
}

/// A unit under construction: its tokens and the parts its keys are built from.
struct Draft {
    toks: Vec<Token>,
    kind: UnitKind,
    article: bool,
    /// (token for the key, whether a glued article may be stripped as an alternative)
    parts: Vec<(Token, bool)>,
}

fn draft_simple(t: &Token, article: bool) -> Draft {
    let mut art = article;
    let mut part = t.clone();
    let mut alt = false;
    if t.script == Script::Arabic {
        if let Some(stem) = arabic_article_stem(&t.text) {
            art = true;
            part = tok(stem, Script::Arabic);
        }
    } else if !article {
        alt = latin_glued_article_stem(&t.text).is_some();
    }
    Draft {
        toks: vec![t.clone()],
        kind: UnitKind::Simple,
        article: art,
        parts: vec![(part, alt)],
    }
}

/// A stem token inside a compound, its glued article removed.
fn stem_part(t: &Token) -> Token {
    match t.script {
        Script::Arabic => tok(
            arabic_article_stem(&t.text).unwrap_or(&t.text),
            Script::Arabic,
        ),
        _ => match latin_glued_article_stem(&t.text) {
            Some(s) => tok(s, t.script),
            None => t.clone(),
        },
    }
}

fn drafts(toks: &[Token]) -> Vec<Draft> {
    let mut out: Vec<Draft> = Vec::new();
    let mut i = 0;
    let n = toks.len();
    let mut pending_article: Option<Token> = None;
    while i < n {
        let t = &toks[i];
        if is_article(t) && i + 1 < n && !toks[i + 1].glued_to_word() {
            pending_article = Some(t.clone());
            i += 1;
            continue;
        }
        let article_tok = pending_article.take();
        // Suffix particles merge with the previous unit.
        let suffix_din = is_din(t);
        let suffix_allah = is_allah(t);
        if (suffix_din || suffix_allah)
            && let Some(prev) = out.last_mut()
            && prev.kind == UnitKind::Simple
            && prev.toks.last().map(|p| p.script) == Some(t.script)
        {
            if let Some(a) = article_tok {
                prev.toks.push(a);
            }
            prev.toks.push(t.clone());
            let canon = match (t.script, suffix_din) {
                (Script::Arabic, true) => "دين",
                (Script::Arabic, false) => "له",
                (_, true) => "din",
                (_, false) => "lah",
            };
            prev.parts.push((tok(canon, t.script), false));
            if prev.kind == UnitKind::Simple {
                prev.kind = if suffix_din {
                    UnitKind::Din
                } else {
                    UnitKind::Allah
                };
            }
            i += 1;
            continue;
        }
        // Prefix particles merge with the next word.
        if let Some(p) = prefix_particle(t)
            && i + 1 < n
        {
            let mut j = i + 1;
            let mut inner_article = None;
            if is_article(&toks[j]) && j + 1 < n {
                inner_article = Some(toks[j].clone());
                j += 1;
            }
            let stem = &toks[j];
            if prefix_particle(stem).is_none() {
                let mut all = Vec::new();
                if let Some(a) = article_tok {
                    all.push(a);
                }
                all.push(t.clone());
                // The article is already written (Abdel Ilah, Abd al-Ilah): the stem is
                // whole, its own leading vowel + l is not a second article (إله, Ilah).
                let article_written = inner_article.is_some() || t.text != "abd";
                if let Some(a) = inner_article {
                    all.push(a);
                }
                all.push(stem.clone());
                let (kind, canon) = match (p, t.script) {
                    (Particle::Abd, Script::Arabic) => (UnitKind::Abd, "عبد"),
                    (Particle::Abd, _) => (UnitKind::Abd, "abd"),
                    (Particle::Abu, Script::Arabic) => (UnitKind::Abu, "ابو"),
                    (Particle::Abu, _) => (UnitKind::Abu, "abu"),
                    (Particle::Umm, Script::Arabic) => (UnitKind::Umm, "ام"),
                    (Particle::Umm, _) => (UnitKind::Umm, "um"),
                    (Particle::Bin, Script::Arabic) => (UnitKind::Bin, "بن"),
                    (Particle::Bin, _) => (UnitKind::Bin, "bin"),
                };
                let stem_tok = if p == Particle::Abd && is_allah(stem) {
                    tok(
                        if stem.script == Script::Arabic {
                            "له"
                        } else {
                            "lah"
                        },
                        stem.script,
                    )
                } else if p == Particle::Abd && stem.script != Script::Arabic && !article_written {
                    tok(abd_stem(&stem.text), stem.script)
                } else {
                    stem_part(stem)
                };
                out.push(Draft {
                    toks: all,
                    kind,
                    article: false,
                    parts: vec![(tok(canon, t.script), false), (stem_tok, false)],
                });
                i = j + 1;
                continue;
            }
        }
        // Abbreviations of محمد.
        let abbrev = match t.script {
            Script::Arabic => t.text == "م" && i + 1 < n,
            _ => {
                LATIN_MUHAMMAD_ABBREVIATIONS.contains(&t.text.as_str())
                    || (t.text == "m" && i + 1 < n)
            }
        };
        if abbrev {
            let canon = if t.script == Script::Arabic {
                "محمد"
            } else {
                "muhammad"
            };
            out.push(Draft {
                toks: vec![t.clone()],
                kind: UnitKind::Abbreviation,
                article: false,
                parts: vec![(tok(canon, t.script), false)],
            });
            i += 1;
            continue;
        }
        let mut d = draft_simple(t, article_tok.is_some());
        if let Some(a) = article_tok {
            d.toks.insert(0, a);
        }
        out.push(d);
        i += 1;
    }
    out
}

fn finish(d: Draft, lexicon: bool) -> Unit {
    let script = d.parts.first().map(|p| p.0.script).unwrap_or(Script::Other);
    let join = |f: fn(&Token) -> &str| {
        let mut s = String::new();
        for (i, t) in d.toks.iter().enumerate() {
            if i > 0 && !t.glued {
                s.push(' ');
            }
            s.push_str(f(t));
        }
        s
    };
    let raw = join(|t| t.raw.as_str());
    let text = join(|t| t.text.as_str());
    // The key: letters of the unit's tokens without its own leading article.
    let skip_lead = usize::from(d.toks.len() > 1 && is_article(&d.toks[0]));
    let mut key = String::new();
    let mut alt_key = None;
    if script == Script::Arabic {
        if d.kind == UnitKind::Simple {
            key.extend(d.parts[0].0.text.chars().map(fold_arabic_k));
        } else if d.kind == UnitKind::Abbreviation {
            key.push_str("محمد");
        } else {
            for (k, t) in d.toks[skip_lead..].iter().enumerate() {
                let text = if k == 0 {
                    arabic_article_stem(&t.text).unwrap_or(&t.text)
                } else {
                    &t.text
                };
                key.extend(text.chars().map(fold_arabic_k));
            }
        }
    } else {
        if d.kind == UnitKind::Abbreviation {
            key.push_str(&d.toks[0].text);
        } else {
            for t in &d.toks[skip_lead..] {
                key.extend(t.text.chars().filter(|c| c.is_alphanumeric()));
            }
        }
        if d.kind == UnitKind::Simple && d.parts[0].1 {
            alt_key = latin_glued_article_stem(&key).map(str::to_string);
        }
    }
    // Keys: one per reading.
    let mut keys = Vec::with_capacity(2);
    if script == Script::Arabic {
        let mut b = KeyBuilder::new();
        // The same parts without merging equal classes at a word boundary: the second
        // reading of a compound such as ضياء الدين, whose ض a Latin spelling may write z.
        let mut apart = KeyBuilder::new();
        let mut joined = false;
        for (p, _) in &d.parts {
            let pb = arabic_builder(&p.text);
            joined |= b.joins(&pb);
            b.append(&pb);
            apart.append_apart(&pb);
        }
        keys.push(b.finish());
        if joined {
            push_key(&mut keys, apart.finish());
        }
        if let Some(b) = ta_after_alef_reading(&d.parts) {
            push_key(&mut keys, b.finish());
        }
    } else {
        let turkic = d.parts.iter().any(|(p, _)| wants_turkic(&p.raw));
        let profiles: &[Profile] = if turkic {
            &[Profile::Default, Profile::Turkic]
        } else {
            &[Profile::Default]
        };
        for &prof in profiles {
            let mut b = KeyBuilder::new();
            if prof == Profile::Turkic {
                b.set_flags(flag::TURKIC);
            }
            let mut b_alt = None;
            for (p, glued) in &d.parts {
                let s = latin_profile_text(&p.raw, prof);
                b.append(&latin_builder(&s, prof));
                if *glued && let Some(stem) = latin_glued_article_stem(&s) {
                    let mut a = latin_builder(stem, prof);
                    if prof == Profile::Turkic {
                        a.set_flags(flag::TURKIC);
                    }
                    b_alt = Some(a);
                }
            }
            push_key(&mut keys, b.finish());
            if let Some(a) = b_alt {
                push_key(&mut keys, a.finish());
            }
            if prof == Profile::Turkic
                && let [(p, _)] = d.parts.as_slice()
                && let Some(short) = turkic_epenthesis(&p.raw)
            {
                let mut e = latin_builder(&latin_profile_text(&short, prof), prof);
                e.set_flags(flag::TURKIC);
                push_key(&mut keys, e.finish());
            }
        }
        // Maghrebi spelling glues the article without its vowel: Larbi (العربي), Lakhdar
        // (الأخضر), Lhoussine (الحسين). A reading without the l, for units with the article.
        if d.kind == UnitKind::Simple
            && !d.article
            && let [(p, _)] = d.parts.as_slice()
            && let Some(stem) = maghrebi_l_stem(&latin_profile_text(&p.raw, Profile::Default))
        {
            let mut l = latin_builder(stem, Profile::Default);
            l.set_flags(flag::L_ARTICLE);
            push_key(&mut keys, l.finish());
        }
        // A word in a scholarly scheme gets an exact reading (see `flag::EXACT`), compared
        // with Arabic script and other scholarly spellings; its plain readings are compared
        // with casual spellings only. Not merged with an equal plain reading, whose use
        // differs.
        if d.kind == UnitKind::Simple
            && let [(p, glued)] = d.parts.as_slice()
            && scholarly(&p.raw)
            && !turkish_letters(&p.raw)
        {
            let s = latin_profile_text(&scholarly_raw(&p.raw), Profile::Default);
            keys.push(latin_builder_in(&s, Profile::Default, true).finish());
            if *glued && let Some(stem) = latin_glued_article_stem(&s) {
                keys.push(latin_builder_in(stem, Profile::Default, true).finish());
            }
        }
    }
    let mut unit = Unit {
        raw,
        text,
        script,
        kind: d.kind,
        article: d.article,
        arabic: None,
        key_id: hash64(&key),
        key,
        alt_key,
        keys,
        groups: Vec::new(),
        near: Vec::new(),
        parts: Vec::new(),
    };
    if script == Script::Arabic {
        unit.arabic = Some(unit.text.clone());
    }
    if lexicon {
        let lex = &*LEXICON;
        unit.groups = lex.exact_groups(&unit);
        if unit.groups.is_empty() && unit.script != Script::Arabic {
            unit.near = lex.near_groups(&unit);
        }
        // Several groups with one key are one name (حسن and الحسن): show the first.
        if script != Script::Arabic
            && let Some(first) = unit
                .groups
                .first()
                .and_then(|g| lex.groups.get(usize::from(*g)))
            && unit.groups.iter().all(|g| {
                lex.groups
                    .get(usize::from(*g))
                    .is_some_and(|x| x.key == first.key)
            })
        {
            unit.arabic = Some(first.arabic.clone());
        }
    }
    unit
}

/// Adds a reading unless an equal one is there; readings that differ only in their flags
/// are one reading with both flags (a Turkic reading that is also the default one).
/// A second reading of a unit whose last word ends in ā + ة (نجاة, حياة): after a long ā
/// the ة is pronounced t, and Latin writes it -at (Najat, Hayat, Turkish Necat), as ALA-LC
/// and DIN write -āt. The reading spells the ة as ت. After a short vowel ة stays -a / -ah /
/// -eh (عزة Azza is not Izzat, عزت).
fn ta_after_alef_reading(parts: &[(Token, bool)]) -> Option<KeyBuilder> {
    let (last, _) = parts.last()?;
    let stem = last.text.strip_suffix("اة").or_else(|| {
        last.text
            .strip_suffix("اه")
            .filter(|s| s.chars().count() >= 2)
    })?;
    let mut b = KeyBuilder::new();
    for (p, _) in &parts[..parts.len() - 1] {
        b.append(&arabic_builder(&p.text));
    }
    b.append(&arabic_builder(&format!("{stem}ات")));
    Some(b)
}

fn push_key(keys: &mut Vec<Key>, k: Key) {
    match keys.iter_mut().find(|x| {
        Key {
            flags: k.flags,
            ..**x
        } == k
    }) {
        Some(x) => x.flags |= k.flags,
        None => keys.push(k),
    }
}

fn merge_double_given(units: Vec<Unit>) -> Vec<Unit> {
    let (Some(first), second) = &*DOUBLE_GIVEN else {
        return units;
    };
    let mut out: Vec<Unit> = Vec::with_capacity(units.len());
    let mut it = units.into_iter().peekable();
    while let Some(u) = it.next() {
        let head = matches!(u.kind, UnitKind::Simple | UnitKind::Abbreviation)
            && (u.groups.contains(first) || (u.groups.is_empty() && u.near == [*first]));
        if head
            && let Some(next) = it.peek()
            && next.kind == UnitKind::Simple
            && next.script == u.script
            && next.groups.iter().any(|g| second.contains(g))
            && let Some(next) = it.next()
        {
            let mut keys = Vec::new();
            for a in &u.keys {
                for b in &next.keys {
                    let mut kb = KeyBuilder::from_key(a);
                    kb.append(&KeyBuilder::from_key(b));
                    push_key(&mut keys, kb.finish());
                }
            }
            keys.truncate(4);
            let key = format!("{}{}", u.key, next.key);
            let merged = Unit {
                raw: format!("{} {}", u.raw, next.raw),
                text: format!("{} {}", u.text, next.text),
                script: u.script,
                kind: UnitKind::DoubleGiven,
                article: false,
                arabic: match (&u.arabic, &next.arabic) {
                    (Some(a), Some(b)) => Some(format!("{a} {b}")),
                    _ => None,
                },
                key_id: hash64(&key),
                key,
                alt_key: None,
                keys,
                groups: Vec::new(),
                near: Vec::new(),
                parts: vec![u, next],
            };
            out.push(merged);
            continue;
        }
        out.push(u);
    }
    out
}

/// Strips leading titles (while at least one other token remains).
fn strip_titles(toks: &mut Vec<Token>) -> Vec<String> {
    let mut titles = Vec::new();
    while toks.len() > 1 {
        let t = &toks[0];
        let is_title = match t.script {
            Script::Arabic => ARABIC_TITLES.contains(&t.text.as_str()),
            _ => LATIN_TITLES.contains(&t.text.as_str()),
        };
        // "al-Haj", "el Sheikh" as a title: article + title.
        let art_title = toks.len() > 2
            && is_article(t)
            && LATIN_TITLES.contains(&toks[1].text.as_str())
            && t.script != Script::Arabic;
        if art_title {
            titles.push(format!("{} {}", toks[0].text, toks[1].text));
            toks.drain(..2);
        } else if is_title {
            titles.push(toks.remove(0).text);
        } else {
            break;
        }
    }
    titles
}

/// Tokens of a name, glued particles split, titles removed.
pub(crate) fn prepare(s: &str) -> (Vec<Token>, Vec<String>) {
    let mut toks = Vec::new();
    for t in tokens(s) {
        if t.script == Script::Other {
            continue;
        }
        split_glued(&t, &mut toks);
    }
    let titles = strip_titles(&mut toks);
    (toks, titles)
}

/// Units of a name with variant-table lookups and double given names merged.
pub(crate) fn build_units(s: &str) -> (Vec<Unit>, Vec<String>) {
    let (toks, titles) = prepare(s);
    let units = drafts(&toks).into_iter().map(|d| finish(d, true)).collect();
    (merge_double_given(units), titles)
}

/// Units without the variant table (used to build the table itself).
pub(crate) fn build_units_plain(s: &str) -> Vec<Unit> {
    let (toks, _) = prepare(s);
    drafts(&toks)
        .into_iter()
        .map(|d| finish(d, false))
        .collect()
}
