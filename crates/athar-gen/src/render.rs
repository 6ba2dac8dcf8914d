//! One person as one source writes it: the source profile decides which fields are there, the
//! writer's script and habits decide how names are spelled, and the corruptions of the research
//! note are applied at their configured rates.

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::arabic::{self, ArabicHabits};
use crate::config::{GenConfig, SourceProfile};
use crate::dates::{Date, Precision, Style};
use crate::latin::{self, Tradition};
use crate::population::{Fate, Person, Sex};
use crate::tables::{Name, Tables};
use crate::{COLUMNS, Column, Source};

/// The values of one row, in the order of [`COLUMNS`].
pub(crate) type Values = [String; COLUMNS.len()];

/// How one record's writer spells things.
struct Writer<'a> {
    latin: bool,
    tradition: Tradition,
    habits: ArabicHabits,
    upper: bool,
    cfg: &'a GenConfig,
}

impl Writer<'_> {
    fn name(&self, n: &Name, family: bool, rng: &mut impl Rng) -> String {
        let (mut arabic, mut phonemic) = (n.arabic.as_str(), n.phonemic.as_str());
        if let Some((ar, ph)) = n.droppable_prefix()
            && rng.random_bool(self.cfg.double_name_prefix_dropped_rate)
        {
            arabic = ar;
            phonemic = ph;
        }
        if self.latin {
            let mut s = latin::render_name(n, phonemic, self.tradition, self.cfg, rng);
            if rng.random_bool(self.cfg.typo_rate) {
                s = arabic::typo(&s, rng);
            }
            if self.upper {
                s = s.to_uppercase();
            }
            s
        } else {
            arabic::render(arabic, family, self.habits, self.cfg, rng)
        }
    }

    fn kunya(&self, son: &Name, rng: &mut impl Rng) -> String {
        let son = self.name(son, false, rng);
        if self.latin {
            let abu = match self.tradition {
                Tradition::French => "Abou",
                _ if rng.random_bool(0.8) => "Abu",
                _ => "Abo",
            };
            let s = format!("{abu} {son}");
            if self.upper { s.to_uppercase() } else { s }
        } else if self.habits_drop_hamza(rng) {
            format!("ابو {son}")
        } else {
            format!("أبو {son}")
        }
    }

    fn habits_drop_hamza(&self, rng: &mut impl Rng) -> bool {
        rng.random_bool(self.cfg.hamza_dropped_rate)
    }

    fn place(&self, arabic: &str, latin: &str) -> String {
        if self.latin {
            latin.to_owned()
        } else {
            arabic.to_owned()
        }
    }
}

fn chance(rng: &mut impl Rng, p: f64) -> bool {
    rng.random_bool(p)
}

/// A written birth date or year: `(birth_date, birth_year)`.
fn birth(
    p: &Person,
    prof: &SourceProfile,
    cfg: &GenConfig,
    iso_share: f64,
    rng: &mut impl Rng,
) -> (String, String) {
    let mut date = p.birth;
    if chance(rng, cfg.birth_year_off_by_one_rate) {
        date.y += if rng.random_bool(0.5) { 1 } else { -1 };
    }
    let x = rng.random::<f64>();
    if x < prof.birth_date_rate {
        let precision = if rng.random_bool(0.85) {
            Precision::Day
        } else {
            Precision::Month
        };
        let style = Style::pick(iso_share, rng);
        let swap = chance(rng, cfg.day_month_swapped_rate);
        (date.format(precision, style, swap), String::new())
    } else if x < prof.birth_date_rate + prof.birth_year_rate {
        if chance(rng, cfg.jan_first_placeholder_rate) {
            let jan = Date {
                y: date.y,
                m: 1,
                d: 1,
            };
            (
                jan.format(Precision::Day, Style::pick(iso_share, rng), false),
                String::new(),
            )
        } else if chance(rng, prof.year_in_birth_year_column_rate) {
            (String::new(), date.y.to_string())
        } else {
            (
                date.format(Precision::Year, Style::Iso, false),
                String::new(),
            )
        }
    } else {
        (String::new(), String::new())
    }
}

/// A reported number with, at the configured rate, one wrong or swapped digit.
fn number(value: u64, width: usize, cfg: &GenConfig, rng: &mut impl Rng) -> String {
    let s = format!("{value:0width$}");
    if !chance(rng, cfg.number_error_rate) || s.len() < 2 {
        return s;
    }
    let mut b: Vec<u8> = s.into_bytes();
    let i = rng.random_range(0..b.len() - 1);
    if rng.random_bool(0.5) && b[i] != b[i + 1] {
        b.swap(i, i + 1);
    } else {
        let d = rng.random_range(0..10u8);
        b[i] = b'0' + if b'0' + d == b[i] { (d + 1) % 10 } else { d };
    }
    String::from_utf8(b).unwrap_or_default()
}

/// A reported date at a random precision from `shares` = (day, month) (the rest: year).
fn reported_date(
    date: Date,
    shares: (f64, f64),
    iso_share: f64,
    cfg: &GenConfig,
    rng: &mut impl Rng,
) -> String {
    let x = rng.random::<f64>();
    let precision = if x < shares.0 {
        Precision::Day
    } else if x < shares.0 + shares.1 {
        Precision::Month
    } else {
        Precision::Year
    };
    let style = Style::pick(iso_share, rng);
    date.format(precision, style, chance(rng, cfg.day_month_swapped_rate))
}

fn pick<'a>(rng: &mut impl Rng, choices: &[(&'a str, f64)]) -> &'a str {
    let total: f64 = choices.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for (s, w) in choices {
        if x < *w {
            return s;
        }
        x -= w;
    }
    choices.last().map_or("", |(s, _)| s)
}

fn status(p: &Person, source: Source, latin: bool, rng: &mut impl Rng) -> &'static str {
    match (source, latin) {
        (Source::Prison, _) => match p.fate {
            Fate::Deceased if rng.random_bool(0.6) => "متوفى",
            Fate::Released if rng.random_bool(0.5) => "مخلى سبيله",
            _ if rng.random_bool(0.2) => "منقول",
            _ => "موقوف",
        },
        (Source::Family, false) => match p.fate {
            Fate::Deceased if rng.random_bool(0.2) => "متوفى",
            Fate::Released if rng.random_bool(0.3) => "مفرج عنه",
            _ => pick(rng, &[("مفقود", 0.5), ("معتقل", 0.4), ("مختفي قسريا", 0.1)]),
        },
        (Source::Family, true) => match p.fate {
            Fate::Deceased if rng.random_bool(0.2) => "deceased",
            Fate::Released if rng.random_bool(0.3) => "released",
            _ => pick(
                rng,
                &[("missing", 0.5), ("detained", 0.35), ("disappeared", 0.15)],
            ),
        },
        (Source::Survivor, false) => pick(rng, &[("مفرج عنه", 0.6), ("على قيد الحياة", 0.4)]),
        (Source::Survivor, true) => pick(rng, &[("released", 0.6), ("alive", 0.4)]),
    }
}

/// Renders the record of `p` in `source`, from its own seed: the same (person, seed) always
/// gives the same row, whichever thread renders it.
pub(crate) fn record(
    p: &Person,
    source: Source,
    id: String,
    seed: u64,
    cfg: &GenConfig,
    t: &Tables,
) -> Values {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let rng = &mut rng;
    let prof = cfg.profile(source);
    let latin = chance(rng, prof.latin_rate);
    let w = Writer {
        latin,
        tradition: Tradition::pick(cfg, rng),
        habits: ArabicHabits::draw(cfg, rng),
        upper: latin && chance(rng, cfg.upper_case_rate),
        cfg,
    };
    let mut v: Values = Default::default();
    v[Column::Id as usize] = id;
    v[Column::Source as usize] = source.name().to_owned();

    // ---- Names ----
    let given_table = match p.sex {
        Sex::Male => &t.male,
        Sex::Female => &t.female,
    };
    let given = &given_table.items[usize::from(p.given)];
    let mut first = Some(
        if p.sex == Sex::Male && chance(rng, cfg.kunya_as_given_rate) {
            w.kunya(&t.male.items[usize::from(p.kunya)], rng)
        } else {
            w.name(given, false, rng)
        },
    );
    let mut father = chance(rng, prof.father_rate)
        .then_some(())
        .map(|()| w.name(&t.male.items[usize::from(p.father)], false, rng));
    let mut grandfather = (father.is_some() && chance(rng, prof.grandfather_rate))
        .then_some(())
        .map(|()| w.name(&t.male.items[usize::from(p.grandfather)], false, rng));
    let mut family = chance(rng, prof.family_name_rate)
        .then_some(())
        .map(|()| w.name(&t.family.items[usize::from(p.family)], true, rng));
    let mother = chance(rng, prof.mother_rate)
        .then_some(())
        .map(|()| w.name(&t.female.items[usize::from(p.mother)], false, rng));
    let mother_family = (mother.is_some() && chance(rng, prof.mother_family_rate))
        .then_some(())
        .map(|()| w.name(&t.family.items[usize::from(p.mother_family)], true, rng));

    // ---- Name parts in the wrong field ----
    if father.is_some() && family.is_some() && chance(rng, cfg.family_in_father_field_rate) {
        father = family.take();
        grandfather = None;
    } else if source == Source::Family
        && mother.is_some()
        && chance(rng, cfg.mother_in_father_field_rate)
    {
        father.clone_from(&mother);
    }
    if latin && chance(rng, cfg.given_family_swapped_rate) {
        std::mem::swap(&mut first, &mut family);
    }
    if latin
        && given.phonemic.starts_with("Eabd ")
        && chance(rng, cfg.compound_split_across_fields_rate)
        && let Some(f) = &first
        && let Some((head, tail)) = f.split_once(' ')
    {
        let (head, tail) = (head.to_owned(), tail.to_owned());
        father = Some(match father {
            Some(fa) => format!("{tail} {fa}"),
            None => tail,
        });
        first = Some(head);
    }

    if chance(rng, prof.full_name_only_rate) {
        let drop_middle = chance(rng, cfg.middle_names_dropped_rate);
        let mut parts: Vec<String> = Vec::with_capacity(4);
        if !drop_middle {
            parts.extend(father.take());
            parts.extend(grandfather.take());
        }
        let (given_part, family_part) = (first.take(), family.take());
        let full = if latin && chance(rng, cfg.latin_surname_first_rate) {
            let fam = family_part.unwrap_or_default();
            let rest: Vec<String> = given_part.into_iter().chain(parts).collect();
            if rng.random_bool(0.5) {
                format!("{}, {}", fam.to_uppercase(), rest.join(" "))
            } else {
                format!("{fam} {}", rest.join(" "))
            }
        } else if !latin && chance(rng, cfg.arabic_surname_first_rate) {
            family_part
                .into_iter()
                .chain(given_part)
                .chain(parts)
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            given_part
                .into_iter()
                .chain(parts)
                .chain(family_part)
                .collect::<Vec<_>>()
                .join(" ")
        };
        v[Column::FullName as usize] = full.trim().trim_start_matches(", ").to_owned();
        father = None;
        grandfather = None;
    }
    v[Column::FirstName as usize] = first.unwrap_or_default();
    v[Column::FatherName as usize] = father.unwrap_or_default();
    v[Column::GrandfatherName as usize] = grandfather.unwrap_or_default();
    v[Column::FamilyName as usize] = family.unwrap_or_default();
    v[Column::MotherName as usize] = mother.unwrap_or_default();
    v[Column::MotherFamilyName as usize] = mother_family.unwrap_or_default();

    let age_at_detention = p.detention.y - p.birth.y;
    if p.sex == Sex::Male && age_at_detention >= 25 && chance(rng, prof.alias_rate) {
        v[Column::Alias as usize] = w.kunya(&t.male.items[usize::from(p.kunya)], rng);
    }

    if chance(rng, prof.sex_rate) {
        let male = p.sex == Sex::Male;
        v[Column::Sex as usize] = if latin {
            pick(
                rng,
                if male {
                    &[("M", 0.6), ("Male", 0.3), ("male", 0.1)]
                } else {
                    &[("F", 0.6), ("Female", 0.3), ("female", 0.1)]
                },
            )
        } else if male {
            pick(rng, &[("ذكر", 0.8), ("M", 0.2)])
        } else {
            pick(rng, &[("أنثى", 0.8), ("F", 0.2)])
        }
        .to_owned();
    }

    // ---- Dates, places, numbers ----
    let iso_share = match (source, latin) {
        (Source::Prison, _) => 0.10,
        (_, true) => 0.40,
        (_, false) => 0.20,
    };
    let (bd, by) = birth(p, prof, cfg, iso_share, rng);
    v[Column::BirthDate as usize] = bd;
    v[Column::BirthYear as usize] = by;

    let gov = &t.governorates.items[usize::from(p.governorate)];
    let towns = &t.towns[usize::from(p.governorate)];
    if chance(rng, prof.governorate_rate) {
        v[Column::Governorate as usize] = if !latin {
            gov.arabic
        } else if w.tradition == Tradition::French {
            gov.french
        } else {
            gov.english
        }
        .to_owned();
    }
    if chance(rng, prof.birth_place_rate) {
        let town = &towns[usize::from(p.birth_town)];
        v[Column::BirthPlace as usize] = w.place(town.arabic, town.latin);
    }
    if chance(rng, prof.residence_rate) {
        // Survivors often register from where they were displaced to.
        let town = if source == Source::Survivor && rng.random_bool(0.3) {
            let g = t.governorates.index(rng);
            let list = &t.towns[g];
            &list[rng.random_range(0..list.len())]
        } else {
            &towns[usize::from(p.residence_town)]
        };
        v[Column::Residence as usize] = w.place(town.arabic, town.latin);
    }
    if chance(rng, prof.national_id_rate) {
        v[Column::NationalId as usize] = number(p.national_id, 11, cfg, rng);
    }
    if chance(rng, prof.prison_number_rate) {
        v[Column::PrisonNumber as usize] = number(u64::from(p.prison_number), 0, cfg, rng);
    }
    if chance(rng, prof.detention_date_rate) {
        let (shares, jitter) = match source {
            Source::Prison => ((0.80, 0.15), 0),
            Source::Family => ((0.40, 0.35), 3),
            Source::Survivor => ((0.30, 0.40), 10),
        };
        let date = if jitter > 0 && rng.random_bool(0.3) {
            p.detention.add_days(rng.random_range(-jitter..=jitter))
        } else {
            p.detention
        };
        v[Column::DetentionDate as usize] = reported_date(date, shares, iso_share, cfg, rng);
    }
    if chance(rng, prof.detention_place_rate) {
        let facility = match source {
            Source::Survivor if rng.random_bool(0.7) => p.last_facility,
            Source::Prison if rng.random_bool(0.3) => p.last_facility,
            _ => p.facility,
        };
        let f = &t.facilities.items[usize::from(facility)];
        v[Column::DetentionPlace as usize] = w.place(f.arabic, f.latin);
    }
    if chance(rng, prof.last_seen_rate) {
        let date = p.detention.add_days(-rng.random_range(0..=2));
        v[Column::LastSeenDate as usize] = reported_date(date, (0.5, 0.3), iso_share, cfg, rng);
        let town = &towns[usize::from(p.residence_town)];
        let x = rng.random::<f64>();
        v[Column::LastSeenPlace as usize] = if x < 0.25 {
            let f = &t.facilities.items[usize::from(p.facility)];
            w.place(f.arabic, f.latin)
        } else if x < 0.6 {
            match (latin, w.tradition) {
                (false, _) => format!("حاجز {}", town.arabic),
                (true, Tradition::French) => format!("barrage de {}", town.latin),
                (true, _) => format!("{} checkpoint", town.latin),
            }
        } else {
            w.place(town.arabic, town.latin)
        };
    }
    if chance(rng, prof.status_rate) {
        v[Column::Status as usize] = status(p, source, latin, rng).to_owned();
    }
    if chance(rng, prof.arabic_digits_rate) {
        for c in [
            Column::BirthDate,
            Column::BirthYear,
            Column::NationalId,
            Column::PrisonNumber,
            Column::DetentionDate,
            Column::DetentionPlace,
            Column::LastSeenDate,
        ] {
            let s = &mut v[c as usize];
            if s.bytes().any(|b| b.is_ascii_digit()) {
                *s = arabic::arabic_digits(s);
            }
        }
    }
    v
}
