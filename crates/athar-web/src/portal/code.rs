//! Private follow-up codes: 20 symbols of Crockford base32 (100 random bits), shown once as
//! `XXXXX-XXXXX-XXXXX-XXXXX`, stored only as a SHA-256 hash. Typing is forgiving: case,
//! spaces, dashes and the look-alikes `O`/`I`/`L` do not matter.

use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 20;

/// A new code from 13 random bytes (the first 100 bits are used).
pub fn new_code(random: &[u8]) -> String {
    let mut bits: u128 = 0;
    for b in random.iter().take(13) {
        bits = (bits << 8) | u128::from(*b);
    }
    let mut out = String::with_capacity(LEN + 3);
    for i in 0..LEN {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        let idx = ((bits >> (5 * i)) & 31) as usize;
        out.push(char::from(ALPHABET[idx]));
    }
    out
}

/// A typed code in canonical form, or `None` if it cannot be a code.
pub fn normalize(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(LEN);
    for c in crate::portal::forms::fold_digits(typed).chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\u{2010}'..='\u{2015}' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !ALPHABET.contains(&(c as u8)) || !c.is_ascii() {
            return None;
        }
        out.push(c);
    }
    (out.len() == LEN).then_some(out)
}

/// The stored form of a code: SHA-256 (hex) of its canonical form.
pub fn hash(typed: &str) -> Option<String> {
    normalize(typed).map(|c| hex::encode(Sha256::digest(c.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_sloppy_typing() {
        let code = new_code(&[0xA5; 13]);
        assert_eq!(code.len(), 23);
        let sloppy = code
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(hash(&sloppy), hash(&code));
        assert!(hash(&code).is_some());
    }

    #[test]
    fn different_bytes_give_different_codes() {
        assert_ne!(new_code(&[1; 13]), new_code(&[2; 13]));
    }

    #[test]
    fn junk_is_not_a_code() {
        for s in [
            "",
            "ABC",
            "UUUUU-UUUUU-UUUUU-UUUUU",
            "محمد",
            "00000-00000-00000-0000",
        ] {
            assert_eq!(normalize(s), None, "{s}");
        }
    }
}
