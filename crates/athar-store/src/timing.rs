//! Phase timings for profiling the single-record path: one line on stderr per operation, only
//! when the environment variable `ATHAR_TIMINGS` is set (off, a mark costs a branch).

use std::time::Instant;

/// The phases of one operation, each timed from the previous mark.
#[derive(Debug)]
pub struct Marks {
    label: &'static str,
    on: bool,
    start: Instant,
    t: Instant,
    marks: Vec<(&'static str, f64)>,
}

impl Marks {
    /// Starts timing the operation `label` (its line reads `timing LABEL ms …`).
    pub fn new(label: &'static str) -> Self {
        let now = Instant::now();
        Self {
            label,
            on: std::env::var_os("ATHAR_TIMINGS").is_some(),
            start: now,
            t: now,
            marks: Vec::new(),
        }
    }

    /// Whether timings are printed (`ATHAR_TIMINGS` set).
    pub fn on(&self) -> bool {
        self.on
    }

    /// Records the milliseconds since the previous mark under `what`.
    pub fn mark(&mut self, what: &'static str) {
        if self.on {
            let now = Instant::now();
            self.marks
                .push((what, (now - self.t).as_secs_f64() * 1000.0));
            self.t = now;
        }
    }

    /// Milliseconds since the operation started.
    pub fn total_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    /// Prints the line: `timing LABEL ms what=ms …`, then `extra` when not empty.
    pub fn print(&self, extra: &str) {
        if self.on {
            let line: Vec<String> = self
                .marks
                .iter()
                .map(|(w, ms)| format!("{w}={ms:.3}"))
                .collect();
            let sep = if extra.is_empty() { "" } else { " " };
            eprintln!("timing {} ms {}{sep}{extra}", self.label, line.join(" "));
        }
    }
}
