//! The canonical record model: the fields of `CONTRACT.md` as typed values.
//!
//! Pure: no I/O. Partial dates keep their precision and their raw text; numbers have
//! Arabic-Indic and Persian digits folded; nothing is guessed, what does not parse stays raw.
