//! Whole names: a parsed name (units, titles, script) and a record's names split by role.

use serde::Serialize;

use crate::fold::{Script, detect_script, normalize};
use crate::unit::{Unit, build_units};

/// A parsed name: normalized text, units with their keys, titles stripped, script.
#[derive(Debug, Clone, Serialize)]
pub struct Name {
    /// The input as given.
    pub raw: String,
    /// [`crate::normalize`] of the input.
    pub normalized: String,
    /// Script of the normalized text.
    pub script: Script,
    /// Name units in written order, titles excluded.
    pub units: Vec<Unit>,
    /// Titles and status words found before the name (الشهيد, Dr., Haj …).
    pub titles: Vec<String>,
    /// The input looked like UTF-8 Arabic read as Windows-1252 (`Ù…Ø­Ù…Ø¯`); it was parsed
    /// as repaired, and `raw` keeps what was given.
    pub mojibake: bool,
}

impl Name {
    /// Parses a name. Never fails; an empty or letterless input gives no units.
    pub fn parse(s: &str) -> Name {
        let repaired = crate::fold::repair_mojibake(s);
        let text = repaired.as_deref().unwrap_or(s);
        let normalized = normalize(text);
        let script = detect_script(&normalized);
        let (units, titles) = build_units(text);
        Name {
            raw: s.to_string(),
            normalized,
            script,
            units,
            titles,
            mojibake: repaired.is_some(),
        }
    }

    /// True when the name has no unit.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

/// Same as [`Name::parse`].
pub fn analyze(s: &str) -> Name {
    Name::parse(s)
}

/// A record's names split into roles; each is optional.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RoleNames {
    /// Given name (may be a double name: محمد خير).
    pub given: Option<Name>,
    /// Father's given name.
    pub father: Option<Name>,
    /// Grandfather's given name.
    pub grandfather: Option<Name>,
    /// Family name.
    pub family: Option<Name>,
    /// Mother's given name.
    pub mother_given: Option<Name>,
    /// Mother's family name.
    pub mother_family: Option<Name>,
}

impl RoleNames {
    /// Parses the given fields (`None` or empty strings stay absent).
    pub fn parse(
        given: Option<&str>,
        father: Option<&str>,
        grandfather: Option<&str>,
        family: Option<&str>,
    ) -> RoleNames {
        let p = |s: Option<&str>| s.filter(|s| !s.trim().is_empty()).map(Name::parse);
        RoleNames {
            given: p(given),
            father: p(father),
            grandfather: p(grandfather),
            family: p(family),
            mother_given: None,
            mother_family: None,
        }
    }

    /// The name in a role.
    pub fn get(&self, role: crate::Role) -> Option<&Name> {
        use crate::Role::*;
        match role {
            Given => self.given.as_ref(),
            Father => self.father.as_ref(),
            Grandfather => self.grandfather.as_ref(),
            Family => self.family.as_ref(),
            MotherGiven => self.mother_given.as_ref(),
            MotherFamily => self.mother_family.as_ref(),
        }
    }
}
