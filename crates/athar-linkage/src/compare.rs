//! Records prepared for comparison, and the comparison of two prepared records into a vector
//! of per-field levels.
//!
//! Level 0 of every field means "missing on one side or both": it is neutral in every model.

use serde::{Deserialize, Serialize};

use crate::gazetteer;
use crate::names::{self, NameField, NameLevel};
use crate::record::{Date, LinkRecord, Sex};
use crate::text::{Script, fold_number, fold_text, hash_str, script_of};

/// The compared fields, in the order of a comparison vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    /// Given name.
    Given,
    /// Father's given name.
    Father,
    /// Grandfather's given name.
    Grandfather,
    /// Family name.
    Family,
    /// Mother's given name.
    Mother,
    /// Mother's family name.
    MotherFamily,
    /// All name units as a set, role ignored (parts in the wrong fields, full names, aliases).
    NameSet,
    /// Date of birth.
    Birth,
    /// Sex.
    Sex,
    /// Governorate.
    Governorate,
    /// Place of birth or residence.
    Place,
    /// National ID.
    NationalId,
    /// Prison number.
    PrisonNumber,
    /// Date of detention.
    Detention,
    /// Place of detention.
    DetentionPlace,
}

/// Number of compared fields.
pub const NF: usize = 15;

/// All fields in vector order.
pub const FIELDS: [Field; NF] = [
    Field::Given,
    Field::Father,
    Field::Grandfather,
    Field::Family,
    Field::Mother,
    Field::MotherFamily,
    Field::NameSet,
    Field::Birth,
    Field::Sex,
    Field::Governorate,
    Field::Place,
    Field::NationalId,
    Field::PrisonNumber,
    Field::Detention,
    Field::DetentionPlace,
];

impl Field {
    /// Column-friendly name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Given => "first_name",
            Field::Father => "father_name",
            Field::Grandfather => "grandfather_name",
            Field::Family => "family_name",
            Field::Mother => "mother_name",
            Field::MotherFamily => "mother_family_name",
            Field::NameSet => "name_set",
            Field::Birth => "birth_date",
            Field::Sex => "sex",
            Field::Governorate => "governorate",
            Field::Place => "place",
            Field::NationalId => "national_id",
            Field::PrisonNumber => "prison_number",
            Field::Detention => "detention_date",
            Field::DetentionPlace => "detention_place",
        }
    }

    /// Names of the levels of this field, index = level.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::Given
            | Field::Father
            | Field::Grandfather
            | Field::Family
            | Field::Mother
            | Field::MotherFamily => &[
                "missing",
                "exact",
                "skeleton",
                "close",
                "partial",
                "different",
            ],
            Field::NameSet => &["missing", "all", "most", "some", "none"],
            Field::Birth => &[
                "missing",
                "exact",
                "day_month_swapped_or_same_month",
                "same_year",
                "one_year_apart",
                "two_or_three_years_apart",
                "further",
            ],
            Field::Sex | Field::NationalId | Field::PrisonNumber | Field::Governorate => {
                &["missing", "same", "different"]
            }
            Field::Place => &["missing", "same", "same_governorate", "different"],
            Field::Detention => &[
                "missing",
                "within_a_week",
                "same_month",
                "same_year",
                "one_year_apart",
                "further",
            ],
            Field::DetentionPlace => &["missing", "same", "different"],
        }
    }

    /// Number of levels.
    pub fn n_levels(self) -> usize {
        self.levels().len()
    }

    /// Index of the name role in [`Prepared::roles`], for the role fields.
    pub fn role(self) -> Option<usize> {
        match self {
            Field::Given => Some(0),
            Field::Father => Some(1),
            Field::Grandfather => Some(2),
            Field::Family => Some(3),
            Field::Mother => Some(4),
            Field::MotherFamily => Some(5),
            _ => None,
        }
    }
}

/// Largest number of levels of any field.
pub const MAX_LEVELS: usize = 7;

/// A comparison vector: one level per field.
pub type Gamma = [u8; NF];

/// A place as compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKey {
    /// A listed town.
    Town(u16, u16),
    /// A governorate without a town.
    Governorate(u16),
    /// Unlisted text, by its folded hash.
    Text(u64),
}

/// A place of detention as compared: its folded text, the facility's number when it has one
/// ("Branch 291" and "الفرع ٢٩١" are one branch), and its script — two spellings of one prison
/// in two scripts cannot be told apart by their text, so such a pair is not compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacilityKey {
    /// Hash of the folded text.
    pub text: u64,
    /// Hash of the digits, when there are any.
    pub number: Option<u64>,
    /// Script of the text.
    pub script: Script,
}

impl FacilityKey {
    fn new(text: &str) -> Option<FacilityKey> {
        let f = fold_text(text);
        if f.is_empty() {
            return None;
        }
        let digits: String = text
            .chars()
            .map(crate::text::fold_digit)
            .filter(char::is_ascii_digit)
            .collect();
        Some(FacilityKey {
            text: hash_str(&f),
            number: (!digits.is_empty()).then(|| hash_str(&digits)),
            script: script_of(text),
        })
    }
}

fn facility_level(a: &Option<FacilityKey>, b: &Option<FacilityKey>) -> u8 {
    let (Some(x), Some(y)) = (a, b) else { return 0 };
    if x.text == y.text {
        return 1;
    }
    match (x.number, y.number) {
        (Some(m), Some(n)) => {
            if m == n {
                1
            } else {
                2
            }
        }
        _ if x.script == y.script => 2,
        _ => 0,
    }
}

/// The script of a record's names, as used in strata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NameScript {
    /// No name.
    None,
    /// Arabic script.
    Arabic,
    /// Latin script.
    Latin,
}

/// A record ready to compare: name units with keys, typed values, folded numbers.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Source label as given.
    pub source: String,
    /// Script of the names.
    pub script: NameScript,
    /// Name roles: given, father, grandfather, family, mother, mother's family.
    pub roles: [NameField; 6],
    /// All name unit skeletons of the record (sorted, unique).
    pub unit_set: Vec<u64>,
    /// Date of birth.
    pub birth: Date,
    /// Sex.
    pub sex: Option<Sex>,
    /// Governorate code.
    pub governorate: Option<u16>,
    /// Place of birth or residence.
    pub place: Option<PlaceKey>,
    /// Folded national ID hash.
    pub national_id: Option<u64>,
    /// Folded prison number hash.
    pub prison_number: Option<u64>,
    /// Date of detention (the last-seen date when the detention date is missing).
    pub detention: Date,
    /// Place of detention.
    pub detention_place: Option<FacilityKey>,
    /// Index of the source in the model's source table (`u16::MAX` when unknown).
    pub source_idx: u16,
    /// Natural log of the term-frequency ratio of the given, father's, family and mother's
    /// names (frequency of this record's value over the average frequency); filled in by the
    /// model.
    pub tf: [f32; 4],
    /// The other plausible reading of the first four roles: family first for a full name,
    /// given and family swapped for split fields (lists put parts in the wrong fields).
    pub rotated: Option<Box<[NameField; 4]>>,
}

fn place_key(text: &str) -> Option<PlaceKey> {
    if text.trim().is_empty() {
        return None;
    }
    match gazetteer::lookup(text) {
        Some(p) => Some(match p.town {
            Some(t) => PlaceKey::Town(p.governorate, t),
            None => PlaceKey::Governorate(p.governorate),
        }),
        None => {
            let f = fold_text(text);
            if f.is_empty() {
                None
            } else {
                Some(PlaceKey::Text(hash_str(&f)))
            }
        }
    }
}

impl Prepared {
    /// Prepares one record.
    pub fn new(r: &LinkRecord) -> Prepared {
        Prepared::with_names(r, &names::parse)
    }

    /// Prepares one record, reading each name through `parse` (a batch passes a cache of the
    /// distinct names, parsed once).
    pub fn with_names(r: &LinkRecord, parse: &dyn Fn(&str) -> NameField) -> Prepared {
        let mut roles: [NameField; 6] = [
            parse(&r.first_name),
            parse(&r.father_name),
            parse(&r.grandfather_name),
            parse(&r.family_name),
            parse(&r.mother_name),
            parse(&r.mother_family_name),
        ];
        // "FAMILY, Given Father" (a Latin list habit): the part before the comma goes last
        let full = match r.full_name.split_once(',') {
            Some((fam, rest)) if !rest.trim().is_empty() => parse(&format!("{rest} {fam}")),
            _ => parse(&r.full_name),
        };
        if roles[0].is_empty() && roles[1].is_empty() && roles[3].is_empty() && !full.is_empty() {
            // Syrian order: given, father, [grandfather], family.
            let [g, f, gf, fam] = full.syrian_roles();
            roles[0] = g;
            roles[1] = f;
            roles[2] = gf;
            roles[3] = fam;
        }
        let from_full = !roles[0].is_empty() && r.first_name.trim().is_empty();
        let rotated = if from_full && full.units.len() >= 2 {
            // family first: "Yabroudi Abdullah Muhammad"
            Some(Box::new(full.family_first_roles()))
        } else if !roles[0].is_empty() && !roles[3].is_empty() {
            Some(Box::new([
                roles[3].clone(),
                roles[1].clone(),
                roles[2].clone(),
                roles[0].clone(),
            ]))
        } else {
            None
        };
        let alias = parse(&r.alias);
        let mut unit_set: Vec<u64> = roles[..4]
            .iter()
            .chain([&full, &alias])
            .flat_map(|f| f.units.iter().map(|u| u.skel))
            .collect();
        unit_set.sort_unstable();
        unit_set.dedup();
        let all_names = format!(
            "{} {} {} {}",
            r.first_name, r.family_name, r.full_name, r.father_name
        );
        let script = match script_of(&all_names) {
            Script::None => NameScript::None,
            Script::Arabic => NameScript::Arabic,
            Script::Latin => NameScript::Latin,
        };
        let governorate = gazetteer::lookup(&r.governorate)
            .map(|p| p.governorate)
            .or_else(|| {
                if r.governorate.trim().is_empty() {
                    None
                } else {
                    Some(u16::MAX - (hash_str(&fold_text(&r.governorate)) % 1000) as u16)
                }
            });
        let place = place_key(&r.birth_place).or_else(|| place_key(&r.residence));
        Prepared {
            source: r.source.clone(),
            script,
            roles,
            unit_set,
            birth: r.birth_date,
            sex: r.sex,
            governorate,
            place,
            national_id: fold_number(&r.national_id).map(|s| hash_str(&s)),
            prison_number: fold_number(&r.prison_number).map(|s| hash_str(&s)),
            detention: if r.detention_date.is_empty() {
                r.last_seen_date
            } else {
                r.detention_date
            },
            detention_place: FacilityKey::new(&r.detention_place),
            source_idx: u16::MAX,
            tf: [0.0; 4],
            rotated,
        }
    }
}

fn name_level(memo: &mut names::Memo<'_>, a: &NameField, b: &NameField) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    match memo.compare_fields(a, b) {
        NameLevel::Exact => 1,
        NameLevel::Skeleton => 2,
        NameLevel::Close => 3,
        NameLevel::Partial => 4,
        NameLevel::Different => 5,
    }
}

/// Birth-date level (see [`Field::Birth`] levels).
pub fn birth_level(a: &Date, b: &Date) -> u8 {
    let (Some(ya), Some(yb)) = (a.year, b.year) else {
        return 0;
    };
    if ya == yb {
        match (a.month, b.month, a.day, b.day) {
            (Some(ma), Some(mb), Some(da), Some(db)) => {
                if ma == mb && da == db {
                    1
                } else if (ma == mb)
                    || (u32::from(ma) == u32::from(db) && u32::from(mb) == u32::from(da))
                {
                    2
                } else {
                    3
                }
            }
            (Some(ma), Some(mb), _, _) if ma == mb => 2,
            _ => 3,
        }
    } else {
        match (ya - yb).abs() {
            1 => 4,
            2 | 3 => 5,
            _ => 6,
        }
    }
}

/// Days since 1970-01-01 of a full date (proleptic Gregorian).
fn day_number(y: i32, m: u8, d: u8) -> i64 {
    let (y, m) = (i64::from(y), i64::from(m));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Detention-date level (see [`Field::Detention`] levels): an arrest is one event, reported
/// to the day by a register and within days by a family ("last seen" two days before, a date
/// remembered a few days off), so full dates a few days apart are the strongest agreement.
fn detention_level(a: &Date, b: &Date) -> u8 {
    let (Some(ya), Some(yb)) = (a.year, b.year) else {
        return 0;
    };
    if let (Some(ma), Some(da), Some(mb), Some(db)) = (a.month, a.day, b.month, b.day) {
        let gap = (day_number(ya, ma, da) - day_number(yb, mb, db)).abs();
        if gap <= 7 {
            return 1;
        }
        if gap <= 31 {
            return 2;
        }
    }
    if ya == yb {
        match (a.month, b.month) {
            (Some(ma), Some(mb)) if ma == mb => 2,
            _ => 3,
        }
    } else if (ya - yb).abs() == 1 {
        4
    } else {
        5
    }
}

fn eq_level<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> u8 {
    match (a, b) {
        (Some(x), Some(y)) => {
            if x == y {
                1
            } else {
                2
            }
        }
        _ => 0,
    }
}

fn nameset_level(a: &[u64], b: &[u64]) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let small = a.len().min(b.len());
    if common == small && small >= 2 {
        1
    } else if common * 2 >= small && common >= 2 {
        2
    } else if common >= 1 {
        3
    } else {
        4
    }
}

/// The record's name units (sorted, unique, at most `out.len()`) less those of the roles of
/// `reading` (its first four roles, as compared) that agree in `g` (levels exact, skeleton,
/// close); returns how many were written.
fn leftover_units(p: &Prepared, reading: &[NameField], g: &Gamma, out: &mut [u64]) -> usize {
    let matched = |u: u64| {
        (0..4).any(|r| (1..=3).contains(&g[r]) && reading[r].units.iter().any(|x| x.skel == u))
    };
    let mut n = 0;
    for &u in &p.unit_set {
        if n == out.len() {
            break;
        }
        if !matched(u) {
            out[n] = u;
            n += 1;
        }
    }
    n
}

/// True when some of `units` (left over from `mine`) could have been found in `theirs`: a unit
/// not only in roles that `theirs` leaves empty.
fn contestable(units: &[u64], mine: &[NameField], theirs: &[NameField]) -> bool {
    units.iter().any(|&u| {
        !(0..4).any(|r| theirs[r].is_empty() && mine[r].units.iter().any(|x| x.skel == u))
    })
}

fn place_level(a: &Option<PlaceKey>, b: &Option<PlaceKey>) -> u8 {
    let (Some(x), Some(y)) = (a, b) else { return 0 };
    if x == y {
        return 1;
    }
    let gov = |p: &PlaceKey| match p {
        PlaceKey::Town(g, _) | PlaceKey::Governorate(g) => Some(*g),
        PlaceKey::Text(_) => None,
    };
    match (gov(x), gov(y)) {
        (Some(g), Some(h)) if g == h => 2,
        _ => 3,
    }
}

/// Compares two prepared records into a comparison vector.
pub fn compare(a: &Prepared, b: &Prepared) -> Gamma {
    names::with_memo(|memo| compare_with(memo, a, b))
}

fn compare_with(memo: &mut names::Memo<'_>, a: &Prepared, b: &Prepared) -> Gamma {
    let mut g = [0u8; NF];
    for r in 0..6 {
        g[r] = name_level(memo, &a.roles[r], &b.roles[r]);
    }
    // the readings of the first four roles the levels refer to
    let (mut read_a, mut read_b): (&[NameField], &[NameField]) = (&a.roles[..4], &b.roles[..4]);
    if g[0] == 5 || g[3] == 5 {
        // parts may sit in the wrong fields: take the reading under which more parts agree
        let quality = |l: &[u8]| {
            l.iter()
                .map(|&x| match x {
                    1..=3 => 2i32,
                    4 => 0,
                    5 => -2,
                    _ => 0,
                })
                .sum::<i32>()
        };
        let mut best = quality(&g[..4]);
        for (x, y) in [(a.rotated.as_deref(), None), (None, b.rotated.as_deref())] {
            let (ra, rb): (&[NameField], &[NameField]) = match (x, y) {
                (Some(x), None) => (&x[..], &b.roles[..4]),
                (None, Some(y)) => (&a.roles[..4], &y[..]),
                _ => continue,
            };
            let mut alt = [0u8; 4];
            for r in 0..4 {
                alt[r] = name_level(memo, &ra[r], &rb[r]);
            }
            let q = quality(&alt);
            if q > best + 2 {
                best = q;
                g[..4].copy_from_slice(&alt);
                (read_a, read_b) = (ra, rb);
            }
        }
    }
    // The unit set only speaks when the role-aligned comparison found a disagreement (parts in
    // the wrong fields); otherwise it would count the same evidence twice.
    if g[0] >= 4 || g[1] >= 4 || g[3] >= 4 || g[0] == 0 || g[3] == 0 {
        // ... and only over the units the agreeing roles did not already account for:
        // given and father agreeing with the family missing on one side is not also "all
        // units shared"
        let (mut la, mut lb) = ([0u64; 24], [0u64; 24]);
        let na = leftover_units(a, read_a, &g, &mut la);
        let nb = leftover_units(b, read_b, &g, &mut lb);
        g[6] = nameset_level(&la[..na], &lb[..nb]);
        // Sharing no unit says nothing when all that is left of one record sits in roles the
        // other record left empty (a family name against a grandfather's name).
        if g[6] == 4
            && (!contestable(&la[..na], read_a, read_b) || !contestable(&lb[..nb], read_b, read_a))
        {
            g[6] = 0;
        }
    }
    g[7] = birth_level(&a.birth, &b.birth);
    g[8] = eq_level(&a.sex, &b.sex);
    g[9] = eq_level(&a.governorate, &b.governorate);
    g[10] = place_level(&a.place, &b.place);
    g[11] = eq_level(&a.national_id, &b.national_id);
    g[12] = eq_level(&a.prison_number, &b.prison_number);
    g[13] = detention_level(&a.detention, &b.detention);
    g[14] = facility_level(&a.detention_place, &b.detention_place);
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(f: impl FnOnce(&mut LinkRecord)) -> Prepared {
        let mut r = LinkRecord::default();
        f(&mut r);
        Prepared::new(&r)
    }

    #[test]
    fn birth_levels() {
        let d = Date::ymd;
        let cases = [
            (d(1980, 3, 4), d(1980, 3, 4), 1),
            (d(1980, 3, 4), d(1980, 4, 3), 2),
            (d(1980, 3, 4), d(1980, 3, 9), 2),
            (d(1980, 3, 4), Date::year(1980), 3),
            (d(1980, 3, 4), d(1980, 7, 9), 3),
            (d(1980, 3, 4), Date::year(1981), 4),
            (Date::year(1979), Date::year(1981), 5),
            (Date::year(1970), Date::year(1981), 6),
            (Date::default(), Date::year(1981), 0),
        ];
        for (a, b, want) in cases {
            assert_eq!(birth_level(&a, &b), want, "{a:?} {b:?}");
            assert_eq!(birth_level(&b, &a), want, "symmetric {a:?} {b:?}");
        }
    }

    #[test]
    fn name_field_levels_cross_script() {
        let a = rec(|r| {
            r.first_name = "محمد".into();
            r.family_name = "الخطيب".into();
        });
        let b = rec(|r| {
            r.first_name = "Mohammad".into();
            r.family_name = "Al-Khatib".into();
        });
        let g = compare(&a, &b);
        assert_eq!(g[0], 2);
        assert_eq!(g[3], 2);
        assert_eq!(g[1], 0, "missing father is neutral");
        assert_eq!(g[6], 0, "the unit set is neutral when the roles agree");
    }

    #[test]
    fn detention_places_compare_by_number_across_scripts() {
        let place = |t: &str| rec(|r| r.detention_place = t.into());
        let level = |a: &str, b: &str| compare(&place(a), &place(b))[14];
        assert_eq!(level("Branch 291", "الفرع ٢٩١"), 1);
        assert_eq!(level("Branch 291", "الفرع 215"), 2);
        assert_eq!(
            level("Sednaya Prison", "Branch 215"),
            2,
            "same script, different text"
        );
        assert_eq!(
            level("Sednaya Prison", "سجن صيدنايا"),
            0,
            "two scripts, no number: unknown"
        );
        assert_eq!(level("Sednaya Prison", "sednaya  prison"), 1);
        assert_eq!(level("", "Branch 215"), 0);
    }

    #[test]
    fn name_set_sharing_nothing_is_neutral_only_when_nothing_could_be_shared() {
        let a = rec(|r| {
            r.first_name = "سامح".into();
            r.father_name = "بلال".into();
            r.family_name = "كعده".into();
        });
        let b = rec(|r| {
            r.first_name = "سامح".into();
            r.father_name = "بلال".into();
            r.grandfather_name = "فارس".into();
        });
        // a's family against b's grandfather: each sits where the other record has nothing
        assert_eq!(compare(&a, &b)[6], 0);
        let c = rec(|r| {
            r.first_name = "سامح".into();
            r.father_name = "بلال".into();
            r.grandfather_name = "عمر".into();
        });
        let d = rec(|r| {
            r.first_name = "سامح".into();
            r.father_name = "بلال".into();
            r.grandfather_name = "فارس".into();
        });
        // both give a grandfather, and they differ: sharing nothing counts
        assert_eq!(compare(&c, &d)[6], 4);
    }

    #[test]
    fn full_name_fills_roles() {
        let a = rec(|r| r.full_name = "Ahmad Hasan Ali Halabi".into());
        let b = rec(|r| {
            r.first_name = "أحمد".into();
            r.father_name = "حسن".into();
            r.grandfather_name = "علي".into();
            r.family_name = "الحلبي".into();
        });
        let g = compare(&a, &b);
        assert_eq!(&g[..4], &[2, 2, 2, 2]);
    }

    #[test]
    fn ids_places_sex() {
        let a = rec(|r| {
            r.national_id = "٠١٢٣٤٥".into();
            r.prison_number = "A-17".into();
            r.sex = Some(Sex::M);
            r.governorate = "Alep".into();
            r.birth_place = "Douma".into();
        });
        let b = rec(|r| {
            r.national_id = "012345".into();
            r.prison_number = "a17".into();
            r.sex = Some(Sex::F);
            r.governorate = "حلب".into();
            r.birth_place = "Harasta".into();
        });
        let g = compare(&a, &b);
        assert_eq!(g[11], 1);
        assert_eq!(g[12], 1);
        assert_eq!(g[8], 2);
        assert_eq!(g[9], 1);
        assert_eq!(g[10], 2, "two towns of Rif Dimashq");
    }

    #[test]
    fn levels_fit_the_tables() {
        for f in FIELDS {
            assert!(f.n_levels() <= MAX_LEVELS);
        }
    }
}

#[cfg(test)]
mod level_tests {
    use super::*;

    #[test]
    fn detention_levels() {
        let d = |y, m| Date {
            year: Some(y),
            month: Some(m),
            day: None,
        };
        let full = Date::ymd;
        assert_eq!(detention_level(&full(2013, 5, 30), &full(2013, 6, 2)), 1);
        assert_eq!(detention_level(&full(2013, 12, 30), &full(2014, 1, 3)), 1);
        assert_eq!(detention_level(&full(2013, 5, 1), &full(2013, 5, 28)), 2);
        assert_eq!(detention_level(&full(2013, 5, 30), &full(2013, 6, 25)), 2);
        assert_eq!(detention_level(&d(2013, 5), &d(2013, 5)), 2);
        assert_eq!(detention_level(&full(2013, 5, 1), &full(2013, 9, 1)), 3);
        assert_eq!(detention_level(&d(2013, 5), &d(2013, 7)), 3);
        assert_eq!(detention_level(&d(2013, 5), &Date::year(2012)), 4);
        assert_eq!(detention_level(&d(2013, 5), &Date::year(2010)), 5);
        assert_eq!(detention_level(&Date::default(), &Date::year(2010)), 0);
        assert_eq!(day_number(1970, 1, 1), 0);
        assert_eq!(day_number(2000, 3, 1) - day_number(2000, 2, 28), 2);
    }

    #[test]
    fn the_last_seen_date_stands_in_for_a_missing_detention_date() {
        let seen = Prepared::new(&LinkRecord {
            last_seen_date: Date::ymd(2013, 4, 10),
            ..LinkRecord::default()
        });
        let held = Prepared::new(&LinkRecord {
            detention_date: Date::ymd(2013, 4, 12),
            last_seen_date: Date::ymd(2001, 1, 1),
            ..LinkRecord::default()
        });
        assert_eq!(seen.detention, Date::ymd(2013, 4, 10));
        assert_eq!(
            held.detention,
            Date::ymd(2013, 4, 12),
            "the detention date wins"
        );
        assert_eq!(compare(&seen, &held)[13], 1);
    }

    #[test]
    fn name_set_levels() {
        assert_eq!(nameset_level(&[1, 2, 3], &[1, 2, 3, 4]), 1);
        assert_eq!(nameset_level(&[1, 2, 3, 9], &[1, 2, 5, 6]), 2);
        assert_eq!(nameset_level(&[1, 7], &[1, 8, 9]), 3);
        assert_eq!(nameset_level(&[1], &[2]), 4);
        assert_eq!(nameset_level(&[], &[2]), 0);
    }

    #[test]
    fn place_levels() {
        let town = place_key("Douma");
        assert_eq!(place_level(&town, &place_key("دوما")), 1);
        assert_eq!(place_level(&town, &place_key("Harasta")), 2);
        assert_eq!(place_level(&town, &place_key("Aleppo")), 3);
        assert_eq!(
            place_level(&place_key("12 high street"), &place_key("12 High Street")),
            1
        );
        assert_eq!(place_level(&None, &town), 0);
    }

    #[test]
    fn r4_swapped_given_and_family_are_reread() {
        let a = Prepared::new(&LinkRecord {
            first_name: "Haddad".into(),
            father_name: "Omar".into(),
            family_name: "Khaled".into(),
            ..LinkRecord::default()
        });
        let b = Prepared::new(&LinkRecord {
            first_name: "خالد".into(),
            father_name: "عمر".into(),
            family_name: "حداد".into(),
            ..LinkRecord::default()
        });
        let g = compare(&a, &b);
        assert_eq!((g[0], g[1], g[3]), (2, 2, 2), "{g:?}");
    }

    #[test]
    fn r4_family_first_full_name_is_reread() {
        let a = Prepared::new(&LinkRecord {
            full_name: "Yabroudi Abdullah Muhammad".into(),
            ..LinkRecord::default()
        });
        let b = Prepared::new(&LinkRecord {
            first_name: "عبدالله".into(),
            father_name: "محمد".into(),
            family_name: "يبرودي".into(),
            ..LinkRecord::default()
        });
        let g = compare(&a, &b);
        assert!(g[0] <= 3 && g[3] <= 3 && g[0] > 0, "{g:?}");
    }

    #[test]
    fn the_name_set_does_not_count_agreeing_roles_twice() {
        let a = Prepared::new(&LinkRecord {
            first_name: "Omar".into(),
            father_name: "Khaled".into(),
            ..LinkRecord::default()
        });
        let b = Prepared::new(&LinkRecord {
            first_name: "عمر".into(),
            father_name: "خالد".into(),
            family_name: "حداد".into(),
            ..LinkRecord::default()
        });
        let g = compare(&a, &b);
        assert_eq!((g[0], g[1], g[3]), (2, 2, 0), "{g:?}");
        assert_eq!(
            g[6], 0,
            "nothing left over on one side: the name set is neutral"
        );
        // father different, given and family agreeing: the set compares the fathers only
        let c = Prepared::new(&LinkRecord {
            first_name: "Omar".into(),
            father_name: "Samir".into(),
            family_name: "Haddad".into(),
            ..LinkRecord::default()
        });
        let g = compare(&c, &b);
        assert_eq!((g[0], g[1], g[3]), (2, 5, 2), "{g:?}");
        assert_eq!(g[6], 4, "{g:?}");
        // parts in the wrong fields still meet in the set
        let d = Prepared::new(&LinkRecord {
            first_name: "Haddad".into(),
            father_name: "Samir".into(),
            grandfather_name: "Omar".into(),
            ..LinkRecord::default()
        });
        let g = compare(&c, &d);
        assert_eq!(&g[..4], &[1, 1, 0, 0], "read family first: {g:?}");
        assert_eq!(
            g[6], 3,
            "Omar, the grandfather of one and the given name of the other"
        );
    }

    #[test]
    fn sex_levels() {
        assert_eq!(eq_level(&Some(Sex::M), &Some(Sex::M)), 1);
        assert_eq!(eq_level(&Some(Sex::M), &Some(Sex::F)), 2);
        assert_eq!(eq_level::<Sex>(&None, &Some(Sex::F)), 0);
    }
}
