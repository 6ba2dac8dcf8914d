//! Every rate the generator uses, as named parameters with documented defaults.
//!
//! [`GenConfig::default()`] is what `athar gen` uses. A rate is a probability in `0.0..=1.0`;
//! "per record" rates are drawn once for each record, "per name" rates once for each name part
//! of a record.

/// Parameters of the generator. The doc comment of each field gives its default.
#[derive(Debug, Clone, PartialEq)]
pub struct GenConfig {
    // ---- Population: families and fates ----
    /// Share of women among the persons of the registry (detainees are mostly men).
    /// Default `0.10`.
    pub female_share: f64,
    /// Probability that a family has at least two members in the registry (brothers detained
    /// together, a sister reported with them). Default `0.28`.
    pub extra_member_rate: f64,
    /// Probability of each further member once a family has two. Default `0.30`.
    pub further_member_rate: f64,
    /// Probability that the father of a family is in the registry too (his own father's name is
    /// his children's grandfather's name). Default `0.04`.
    pub father_detained_rate: f64,
    /// Probability that a clan has a second household (cousins: same grandfather and family
    /// name, different father and mother). Default `0.20`.
    pub cousin_household_rate: f64,
    /// Probability that a mother's family name equals the father's (marriage within the clan).
    /// Default `0.20`.
    pub cousin_marriage_rate: f64,
    /// Probability that the eldest son is named after his paternal grandfather
    /// ("محمد أحمد محمد"). Default `0.15`.
    pub named_after_grandfather_rate: f64,
    /// Share of Christian households (Christian given and family names: جورج، حداد، الخوري).
    /// Default `0.05`.
    pub christian_share: f64,
    /// Share of Kurdish households (Kurdish names in a quarter of draws; mostly in Al-Hasakah,
    /// Aleppo and Raqqa). Default `0.06`.
    pub kurdish_share: f64,
    /// Zipf exponent of given-name frequencies over the rank in the name tables (محمد first).
    /// With 1.0, محمد is about 15 % of men, أحمد about 8 %. Default `1.0`.
    pub given_name_zipf: f64,
    /// Zipf exponent of family-name frequencies: flatter than given names (the most frequent
    /// family name is about 2 % of persons). Default `0.5`.
    pub family_name_zipf: f64,
    /// Share of persons released alive (the only ones who can register as survivors).
    /// Default `0.35`.
    pub released_share: f64,
    /// Share of persons who died in detention. The rest are still missing. Default `0.15`.
    pub deceased_share: f64,

    // ---- Sources ----
    /// The prison-register profile. Default [`SourceProfile::prison`].
    pub prison: SourceProfile,
    /// The family-report profile. Default [`SourceProfile::family`].
    pub family: SourceProfile,
    /// The survivor-registration profile. Default [`SourceProfile::survivor`].
    pub survivor: SourceProfile,

    // ---- Arabic orthography (research note §1): per record, a writer's habits ----
    /// Probability that a record writes every hamza-on-alef (أ إ آ) as bare ا. Default `0.40`.
    pub hamza_dropped_rate: f64,
    /// Probability that a record writes word-final ة as ه. Default `0.20`.
    pub ta_marbuta_as_ha_rate: f64,
    /// Probability that a record writes final ى as ي. Default `0.30`.
    pub alef_maqsura_as_ya_rate: f64,
    /// Probability that a record writes ئ as ي and ؤ as و (وائل → وايل). Default `0.15`.
    pub hamza_seat_dropped_rate: f64,
    /// Per name: probability of a few tashkeel marks (مُحَمَّد). Default `0.01`.
    pub tashkeel_rate: f64,
    /// Per name: probability of a tatweel (محمـــد). Default `0.01`.
    pub tatweel_rate: f64,
    /// Per name: probability of an invisible character (RLM, ZWNJ) inside it. Default `0.005`.
    pub invisible_char_rate: f64,
    /// Per name: probability of a Persian look-alike letter (ی for ي, ک for ك). Default `0.005`.
    pub persian_letter_rate: f64,
    /// Per name: probability that a compound with the article is written joined
    /// (عبد الرحمن → عبدالرحمن). Default `0.35`.
    pub compound_joined_rate: f64,
    /// Per name: probability that the article of an Arabic family name is dropped
    /// (الخطيب → خطيب). Default `0.10`.
    pub arabic_article_dropped_rate: f64,

    // ---- Latin transliteration (research note §3) ----
    /// Per Latin record: weight of the English tradition (Mohammed, Khaled, Hussein).
    /// Default `0.55`.
    pub english_weight: f64,
    /// Per Latin record: weight of the French/Levantine tradition (Mouhammad, Chadi, Youssef).
    /// Default `0.30`.
    pub french_weight: f64,
    /// Per Latin record: weight of the scholarly tradition (Muhammad, Abd al-Rahman, al-Khatib).
    /// Default `0.10`.
    pub scholarly_weight: f64,
    /// Per Latin record: weight of the Turkish/Kurdish tradition (Ahmet, Halil, Mihemed).
    /// Default `0.05`.
    pub turkish_kurdish_weight: f64,
    /// Per Latin name: probability of taking an attested spelling from the variant table
    /// (English and scholarly traditions) instead of the rule-based rendering. Default `0.50`.
    pub attested_spelling_rate: f64,
    /// Per Latin name: probability that محمد is abbreviated (Mhd, Mohd, M.). Default `0.20`.
    pub mhd_abbreviation_rate: f64,
    /// Per Latin family name with an article: probability that the article is left out
    /// (Al-Khatib → Khatib). Default `0.35`.
    pub latin_article_dropped_rate: f64,
    /// Per Latin record: probability that names are written in capitals. Default `0.10`.
    pub upper_case_rate: f64,

    // ---- Both scripts ----
    /// Per name: probability of a typo (keyboard-adjacent key, dropped, doubled or swapped
    /// letters). Default `0.02`.
    pub typo_rate: f64,
    /// Per name: probability that a double name loses its first unit (محمد خير → خير).
    /// Default `0.15`.
    pub double_name_prefix_dropped_rate: f64,

    // ---- Name parts in the wrong place (research note §2.4) ----
    /// Per full name: probability that the father's and grandfather's names are left out.
    /// Default `0.20`.
    pub middle_names_dropped_rate: f64,
    /// Per Latin full name: probability of the surname first ("KHATIB, Ahmad" or
    /// "Khatib Ahmad"). Default `0.30`.
    pub latin_surname_first_rate: f64,
    /// Per Arabic full name: probability of the family name first ("الخطيب محمد أحمد").
    /// Default `0.05`.
    pub arabic_surname_first_rate: f64,
    /// Per record: probability that the family name sits in the father field (father and
    /// grandfather missing). Default `0.02`.
    pub family_in_father_field_rate: f64,
    /// Per family report: probability that the mother's name is in the father field.
    /// Default `0.01`.
    pub mother_in_father_field_rate: f64,
    /// Per Latin record: probability that given and family name are swapped (lists sorted by
    /// surname). Default `0.03`.
    pub given_family_swapped_rate: f64,
    /// Per Latin record with a compound given name: probability that it is split across the
    /// given and father fields ("Abdul" | "Rahman Ahmad"). Default `0.10`.
    pub compound_split_across_fields_rate: f64,
    /// Per record of a man: probability that his kunya (أبو أحمد) stands in the given-name
    /// field. Default `0.01`.
    pub kunya_as_given_rate: f64,

    // ---- Dates and numbers ----
    /// Per birth date or year: probability that the year is off by one. Default `0.07`.
    pub birth_year_off_by_one_rate: f64,
    /// Per full date: probability that day and month are swapped (when both are ≤ 12).
    /// Default `0.03`.
    pub day_month_swapped_rate: f64,
    /// Per year-only birth date: probability that it is written as 1 January of that year
    /// (what registers do when the day is unknown). Default `0.10`.
    pub jan_first_placeholder_rate: f64,
    /// Per reported prison or national number: probability of one wrong or swapped digit.
    /// Default `0.05`.
    pub number_error_rate: f64,
}

/// How one source (list) reports a person: which fields it has and how it writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceProfile {
    /// Probability that a person appears in this source (survivors: among the released).
    pub inclusion_rate: f64,
    /// Probability that an appearance is listed a second time in the same source.
    pub duplicate_rate: f64,
    /// Probability that a record is in Latin script.
    pub latin_rate: f64,
    /// Probability that the name is given only as `full_name`.
    pub full_name_only_rate: f64,
    /// Probability that the father's name is given.
    pub father_rate: f64,
    /// Probability that the grandfather's name is given.
    pub grandfather_rate: f64,
    /// Probability that the family name is given.
    pub family_name_rate: f64,
    /// Probability that the mother's given name is given.
    pub mother_rate: f64,
    /// Probability that the mother's family name is given (when her given name is).
    pub mother_family_rate: f64,
    /// Probability of an alias (kunya) for a man.
    pub alias_rate: f64,
    /// Probability that sex is given.
    pub sex_rate: f64,
    /// Probability of a full birth date (day, month, year).
    pub birth_date_rate: f64,
    /// Probability of a birth year only (with `birth_date_rate`, at most 1; the rest have no
    /// birth data).
    pub birth_year_rate: f64,
    /// Probability that a year-only birth goes into the `birth_year` column rather than
    /// `birth_date`.
    pub year_in_birth_year_column_rate: f64,
    /// Probability of the governorate.
    pub governorate_rate: f64,
    /// Probability of the birth place.
    pub birth_place_rate: f64,
    /// Probability of the residence.
    pub residence_rate: f64,
    /// Probability of the national ID number.
    pub national_id_rate: f64,
    /// Probability of the prison number.
    pub prison_number_rate: f64,
    /// Probability of the detention date.
    pub detention_date_rate: f64,
    /// Probability of the place of detention.
    pub detention_place_rate: f64,
    /// Probability of the last-seen date and place.
    pub last_seen_rate: f64,
    /// Probability of a status.
    pub status_rate: f64,
    /// Probability that the record's digits are Arabic-Indic (٠–٩).
    pub arabic_digits_rate: f64,
}

impl SourceProfile {
    /// Prison registers: Arabic script, prison number, detention date and place, mother's name
    /// often missing, birth year often only, sometimes the full name only.
    ///
    /// Defaults: inclusion 0.55, duplicate 0.04, Latin 0.0, full name only 0.20, father 0.85,
    /// grandfather 0.25, family 0.92, mother 0.30, mother family 0.15, alias 0.02, sex 0.40,
    /// birth date 0.20, birth year 0.65 (always in `birth_year`), governorate 0.25, birth place
    /// 0.45, residence 0.20, national id 0.10, prison number 0.90, detention date 0.85,
    /// detention place 0.95, last seen 0.0, status 0.70, Arabic digits 0.20.
    pub fn prison() -> Self {
        Self {
            inclusion_rate: 0.55,
            duplicate_rate: 0.04,
            latin_rate: 0.0,
            full_name_only_rate: 0.20,
            father_rate: 0.85,
            grandfather_rate: 0.25,
            family_name_rate: 0.92,
            mother_rate: 0.30,
            mother_family_rate: 0.15,
            alias_rate: 0.02,
            sex_rate: 0.40,
            birth_date_rate: 0.20,
            birth_year_rate: 0.65,
            year_in_birth_year_column_rate: 1.0,
            governorate_rate: 0.25,
            birth_place_rate: 0.45,
            residence_rate: 0.20,
            national_id_rate: 0.10,
            prison_number_rate: 0.90,
            detention_date_rate: 0.85,
            detention_place_rate: 0.95,
            last_seen_rate: 0.0,
            status_rate: 0.70,
            arabic_digits_rate: 0.20,
        }
    }

    /// Family reports: Arabic or Latin, mother's name usually there, last seen date and place,
    /// status often missing.
    ///
    /// Defaults: inclusion 0.65, duplicate 0.06, Latin 0.40, full name only 0.12, father 0.90,
    /// grandfather 0.35, family 0.95, mother 0.75, mother family 0.45, alias 0.08, sex 0.85,
    /// birth date 0.55, birth year 0.30 (half in `birth_year`), governorate 0.60, birth place
    /// 0.30, residence 0.65, national id 0.20, prison number 0.03, detention date 0.30,
    /// detention place 0.20, last seen 0.80, status 0.50, Arabic digits 0.08.
    pub fn family() -> Self {
        Self {
            inclusion_rate: 0.65,
            duplicate_rate: 0.06,
            latin_rate: 0.40,
            full_name_only_rate: 0.12,
            father_rate: 0.90,
            grandfather_rate: 0.35,
            family_name_rate: 0.95,
            mother_rate: 0.75,
            mother_family_rate: 0.45,
            alias_rate: 0.08,
            sex_rate: 0.85,
            birth_date_rate: 0.55,
            birth_year_rate: 0.30,
            year_in_birth_year_column_rate: 0.5,
            governorate_rate: 0.60,
            birth_place_rate: 0.30,
            residence_rate: 0.65,
            national_id_rate: 0.20,
            prison_number_rate: 0.03,
            detention_date_rate: 0.30,
            detention_place_rate: 0.20,
            last_seen_rate: 0.80,
            status_rate: 0.50,
            arabic_digits_rate: 0.08,
        }
    }

    /// Survivor registrations: self-reported and partial; status alive or released, the
    /// prison number sometimes.
    ///
    /// Defaults: inclusion 0.60 (of the released), duplicate 0.02, Latin 0.25, full name only
    /// 0.10, father 0.75, grandfather 0.10, family 0.85, mother 0.45, mother family 0.15, alias
    /// 0.05, sex 0.70, birth date 0.40, birth year 0.45 (30 % in `birth_year`), governorate
    /// 0.50, birth place 0.25, residence 0.60, national id 0.15, prison number 0.35, detention
    /// date 0.50, detention place 0.70, last seen 0.0, status 0.90, Arabic digits 0.10.
    pub fn survivor() -> Self {
        Self {
            inclusion_rate: 0.60,
            duplicate_rate: 0.02,
            latin_rate: 0.25,
            full_name_only_rate: 0.10,
            father_rate: 0.75,
            grandfather_rate: 0.10,
            family_name_rate: 0.85,
            mother_rate: 0.45,
            mother_family_rate: 0.15,
            alias_rate: 0.05,
            sex_rate: 0.70,
            birth_date_rate: 0.40,
            birth_year_rate: 0.45,
            year_in_birth_year_column_rate: 0.3,
            governorate_rate: 0.50,
            birth_place_rate: 0.25,
            residence_rate: 0.60,
            national_id_rate: 0.15,
            prison_number_rate: 0.35,
            detention_date_rate: 0.50,
            detention_place_rate: 0.70,
            last_seen_rate: 0.0,
            status_rate: 0.90,
            arabic_digits_rate: 0.10,
        }
    }
}

impl Default for GenConfig {
    fn default() -> Self {
        Self {
            female_share: 0.10,
            extra_member_rate: 0.28,
            further_member_rate: 0.30,
            father_detained_rate: 0.04,
            cousin_household_rate: 0.20,
            cousin_marriage_rate: 0.20,
            named_after_grandfather_rate: 0.15,
            christian_share: 0.05,
            kurdish_share: 0.06,
            given_name_zipf: 1.0,
            family_name_zipf: 0.5,
            released_share: 0.35,
            deceased_share: 0.15,
            prison: SourceProfile::prison(),
            family: SourceProfile::family(),
            survivor: SourceProfile::survivor(),
            hamza_dropped_rate: 0.40,
            ta_marbuta_as_ha_rate: 0.20,
            alef_maqsura_as_ya_rate: 0.30,
            hamza_seat_dropped_rate: 0.15,
            tashkeel_rate: 0.01,
            tatweel_rate: 0.01,
            invisible_char_rate: 0.005,
            persian_letter_rate: 0.005,
            compound_joined_rate: 0.35,
            arabic_article_dropped_rate: 0.10,
            english_weight: 0.55,
            french_weight: 0.30,
            scholarly_weight: 0.10,
            turkish_kurdish_weight: 0.05,
            attested_spelling_rate: 0.50,
            mhd_abbreviation_rate: 0.20,
            latin_article_dropped_rate: 0.35,
            upper_case_rate: 0.10,
            typo_rate: 0.02,
            double_name_prefix_dropped_rate: 0.15,
            middle_names_dropped_rate: 0.20,
            latin_surname_first_rate: 0.30,
            arabic_surname_first_rate: 0.05,
            family_in_father_field_rate: 0.02,
            mother_in_father_field_rate: 0.01,
            given_family_swapped_rate: 0.03,
            compound_split_across_fields_rate: 0.10,
            kunya_as_given_rate: 0.01,
            birth_year_off_by_one_rate: 0.07,
            day_month_swapped_rate: 0.03,
            jan_first_placeholder_rate: 0.10,
            number_error_rate: 0.05,
        }
    }
}

impl GenConfig {
    /// A configuration with every corruption turned off: each record states the truth in
    /// clean script (fields may still be missing as the source profiles say). Useful to
    /// separate what the generator corrupts from what it omits.
    pub fn clean() -> Self {
        Self {
            hamza_dropped_rate: 0.0,
            ta_marbuta_as_ha_rate: 0.0,
            alef_maqsura_as_ya_rate: 0.0,
            hamza_seat_dropped_rate: 0.0,
            tashkeel_rate: 0.0,
            tatweel_rate: 0.0,
            invisible_char_rate: 0.0,
            persian_letter_rate: 0.0,
            compound_joined_rate: 0.0,
            arabic_article_dropped_rate: 0.0,
            typo_rate: 0.0,
            double_name_prefix_dropped_rate: 0.0,
            middle_names_dropped_rate: 0.0,
            latin_surname_first_rate: 0.0,
            arabic_surname_first_rate: 0.0,
            family_in_father_field_rate: 0.0,
            mother_in_father_field_rate: 0.0,
            given_family_swapped_rate: 0.0,
            compound_split_across_fields_rate: 0.0,
            kunya_as_given_rate: 0.0,
            birth_year_off_by_one_rate: 0.0,
            day_month_swapped_rate: 0.0,
            jan_first_placeholder_rate: 0.0,
            number_error_rate: 0.0,
            ..Self::default()
        }
    }

    /// Checks that every rate is a probability and the fate shares leave room for "missing".
    pub fn validate(&self) -> Result<(), crate::GenError> {
        for (name, v) in self.rates() {
            if !(0.0..=1.0).contains(&v) {
                return Err(crate::GenError::Config(format!(
                    "{name} = {v} is not a probability in 0..=1"
                )));
            }
        }
        if self.christian_share + self.kurdish_share > 1.0 {
            return Err(crate::GenError::Config(
                "christian_share + kurdish_share exceeds 1".into(),
            ));
        }
        for (name, p) in [
            ("prison", &self.prison),
            ("family", &self.family),
            ("survivor", &self.survivor),
        ] {
            if p.birth_date_rate + p.birth_year_rate > 1.0 {
                return Err(crate::GenError::Config(format!(
                    "{name}.birth_date_rate + {name}.birth_year_rate exceeds 1"
                )));
            }
        }
        if self.released_share + self.deceased_share > 1.0 {
            return Err(crate::GenError::Config(
                "released_share + deceased_share exceeds 1".into(),
            ));
        }
        let weights = self.english_weight
            + self.french_weight
            + self.scholarly_weight
            + self.turkish_kurdish_weight;
        if weights <= 0.0 {
            return Err(crate::GenError::Config(
                "the Latin tradition weights sum to zero".into(),
            ));
        }
        if self.given_name_zipf < 0.0 || self.family_name_zipf < 0.0 {
            return Err(crate::GenError::Config(
                "Zipf exponents must not be negative".into(),
            ));
        }
        Ok(())
    }

    fn rates(&self) -> Vec<(String, f64)> {
        let general = [
            ("female_share", self.female_share),
            ("extra_member_rate", self.extra_member_rate),
            ("further_member_rate", self.further_member_rate),
            ("father_detained_rate", self.father_detained_rate),
            ("cousin_household_rate", self.cousin_household_rate),
            ("cousin_marriage_rate", self.cousin_marriage_rate),
            (
                "named_after_grandfather_rate",
                self.named_after_grandfather_rate,
            ),
            ("christian_share", self.christian_share),
            ("kurdish_share", self.kurdish_share),
            ("released_share", self.released_share),
            ("deceased_share", self.deceased_share),
            ("hamza_dropped_rate", self.hamza_dropped_rate),
            ("ta_marbuta_as_ha_rate", self.ta_marbuta_as_ha_rate),
            ("alef_maqsura_as_ya_rate", self.alef_maqsura_as_ya_rate),
            ("hamza_seat_dropped_rate", self.hamza_seat_dropped_rate),
            ("tashkeel_rate", self.tashkeel_rate),
            ("tatweel_rate", self.tatweel_rate),
            ("invisible_char_rate", self.invisible_char_rate),
            ("persian_letter_rate", self.persian_letter_rate),
            ("compound_joined_rate", self.compound_joined_rate),
            (
                "arabic_article_dropped_rate",
                self.arabic_article_dropped_rate,
            ),
            ("english_weight", self.english_weight),
            ("french_weight", self.french_weight),
            ("scholarly_weight", self.scholarly_weight),
            ("turkish_kurdish_weight", self.turkish_kurdish_weight),
            ("attested_spelling_rate", self.attested_spelling_rate),
            ("mhd_abbreviation_rate", self.mhd_abbreviation_rate),
            (
                "latin_article_dropped_rate",
                self.latin_article_dropped_rate,
            ),
            ("upper_case_rate", self.upper_case_rate),
            ("typo_rate", self.typo_rate),
            (
                "double_name_prefix_dropped_rate",
                self.double_name_prefix_dropped_rate,
            ),
            ("middle_names_dropped_rate", self.middle_names_dropped_rate),
            ("latin_surname_first_rate", self.latin_surname_first_rate),
            ("arabic_surname_first_rate", self.arabic_surname_first_rate),
            (
                "family_in_father_field_rate",
                self.family_in_father_field_rate,
            ),
            (
                "mother_in_father_field_rate",
                self.mother_in_father_field_rate,
            ),
            ("given_family_swapped_rate", self.given_family_swapped_rate),
            (
                "compound_split_across_fields_rate",
                self.compound_split_across_fields_rate,
            ),
            ("kunya_as_given_rate", self.kunya_as_given_rate),
            (
                "birth_year_off_by_one_rate",
                self.birth_year_off_by_one_rate,
            ),
            ("day_month_swapped_rate", self.day_month_swapped_rate),
            (
                "jan_first_placeholder_rate",
                self.jan_first_placeholder_rate,
            ),
            ("number_error_rate", self.number_error_rate),
        ];
        let mut v: Vec<(String, f64)> = general
            .iter()
            .map(|(name, value)| ((*name).to_owned(), *value))
            .collect();
        for (prefix, p) in [
            ("prison", &self.prison),
            ("family", &self.family),
            ("survivor", &self.survivor),
        ] {
            for (name, value) in p.rates() {
                v.push((format!("{prefix}.{name}"), value));
            }
        }
        v
    }
}

impl SourceProfile {
    fn rates(&self) -> [(&'static str, f64); 24] {
        [
            ("inclusion_rate", self.inclusion_rate),
            ("duplicate_rate", self.duplicate_rate),
            ("latin_rate", self.latin_rate),
            ("full_name_only_rate", self.full_name_only_rate),
            ("father_rate", self.father_rate),
            ("grandfather_rate", self.grandfather_rate),
            ("family_name_rate", self.family_name_rate),
            ("mother_rate", self.mother_rate),
            ("mother_family_rate", self.mother_family_rate),
            ("alias_rate", self.alias_rate),
            ("sex_rate", self.sex_rate),
            ("birth_date_rate", self.birth_date_rate),
            ("birth_year_rate", self.birth_year_rate),
            (
                "year_in_birth_year_column_rate",
                self.year_in_birth_year_column_rate,
            ),
            ("governorate_rate", self.governorate_rate),
            ("birth_place_rate", self.birth_place_rate),
            ("residence_rate", self.residence_rate),
            ("national_id_rate", self.national_id_rate),
            ("prison_number_rate", self.prison_number_rate),
            ("detention_date_rate", self.detention_date_rate),
            ("detention_place_rate", self.detention_place_rate),
            ("last_seen_rate", self.last_seen_rate),
            ("status_rate", self.status_rate),
            ("arabic_digits_rate", self.arabic_digits_rate),
        ]
    }
}
