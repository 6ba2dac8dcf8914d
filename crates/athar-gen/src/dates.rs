//! Calendar dates for the generator: a plain proleptic Gregorian date, day arithmetic and the
//! written forms lists use (`CONTRACT.md`: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `DD/MM/YYYY`,
//! `D/M/YYYY`, `YYYYMMDD`).

use rand::Rng;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    pub y: i32,
    pub m: u32,
    pub d: u32,
}

/// How much of a date a list states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precision {
    Day,
    Month,
    Year,
}

/// How a list writes a full date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `YYYY-MM-DD`
    Iso,
    /// `DD/MM/YYYY`
    Dmy,
    /// `D/M/YYYY`
    DmyShort,
    /// `YYYYMMDD`
    Compact,
}

impl Style {
    /// Draws a style: Syrian registers favour day/month/year.
    pub fn pick(iso_share: f64, rng: &mut impl Rng) -> Self {
        let x = rng.random::<f64>();
        if x < iso_share {
            Self::Iso
        } else if x < iso_share + (1.0 - iso_share) * 0.75 {
            Self::Dmy
        } else if x < iso_share + (1.0 - iso_share) * 0.97 {
            Self::DmyShort
        } else {
            Self::Compact
        }
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// Days since 1970-01-01 (H. Hinnant's days_from_civil).
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.y) - i64::from(self.m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (civil_from_days).
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
        Self { y, m, d }
    }

    pub fn add_days(self, days: i64) -> Self {
        Self::from_days(self.to_days() + days)
    }

    /// A uniformly random day of year `y`.
    pub fn random_in_year(y: i32, rng: &mut impl Rng) -> Self {
        let m = rng.random_range(1..=12);
        let d = rng.random_range(1..=days_in_month(y, m));
        Self { y, m, d }
    }

    /// Writes the date at `precision` in `style`; `swap` writes day and month swapped when
    /// that still looks like a date (both ≤ 12), as a misread register does.
    pub fn format(self, precision: Precision, style: Style, swap: bool) -> String {
        match precision {
            Precision::Year => format!("{:04}", self.y),
            Precision::Month => format!("{:04}-{:02}", self.y, self.m),
            Precision::Day => {
                let (d, m) = if swap && self.d <= 12 {
                    (self.m, self.d)
                } else {
                    (self.d, self.m)
                };
                match style {
                    Style::Iso => format!("{:04}-{:02}-{:02}", self.y, m, d),
                    Style::Dmy => format!("{d:02}/{m:02}/{:04}", self.y),
                    Style::DmyShort => format!("{d}/{m}/{:04}", self.y),
                    Style::Compact => format!("{:04}{m:02}{d:02}", self.y),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        for days in [-1000, 0, 1, 59, 365, 10_000, 19_000, 20_000] {
            assert_eq!(Date::from_days(days).to_days(), days);
        }
        assert_eq!(
            Date {
                y: 1970,
                m: 1,
                d: 1
            }
            .to_days(),
            0
        );
        assert_eq!(
            Date {
                y: 2012,
                m: 2,
                d: 28
            }
            .add_days(1),
            Date {
                y: 2012,
                m: 2,
                d: 29
            }
        );
        assert_eq!(
            Date {
                y: 2013,
                m: 12,
                d: 31
            }
            .add_days(1),
            Date {
                y: 2014,
                m: 1,
                d: 1
            }
        );
    }

    #[test]
    fn formats() {
        let d = Date {
            y: 1990,
            m: 3,
            d: 7,
        };
        assert_eq!(d.format(Precision::Day, Style::Iso, false), "1990-03-07");
        assert_eq!(d.format(Precision::Day, Style::Dmy, false), "07/03/1990");
        assert_eq!(d.format(Precision::Day, Style::Dmy, true), "03/07/1990");
        assert_eq!(d.format(Precision::Day, Style::DmyShort, false), "7/3/1990");
        assert_eq!(d.format(Precision::Day, Style::Compact, false), "19900307");
        assert_eq!(d.format(Precision::Month, Style::Dmy, false), "1990-03");
        assert_eq!(d.format(Precision::Year, Style::Dmy, false), "1990");
        let late = Date {
            y: 1990,
            m: 3,
            d: 25,
        };
        assert_eq!(late.format(Precision::Day, Style::Dmy, true), "25/03/1990");
    }
}
