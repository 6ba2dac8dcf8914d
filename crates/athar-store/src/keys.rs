//! Blocking keys as stored: a stable 64-bit hash of the key text.
//!
//! The linkage engine produces blocking keys as strings (rule name plus key value); the store
//! keeps them as signed 64-bit integers in an index table so that a million records with a
//! dozen keys each stay small and fast to look up. The hash is FNV-1a, fixed forever: changing
//! it would orphan every stored key.

/// The stored form of a blocking key.
pub fn key_hash(key: &str) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for b in key.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(PRIME);
    }
    i64::from_ne_bytes(h.to_ne_bytes())
}

/// The stored forms of several keys, sorted and without duplicates.
pub fn key_hashes<I, S>(keys: I) -> Vec<i64>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out: Vec<i64> = keys.into_iter().map(|k| key_hash(k.as_ref())).collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable() {
        // Pinned values: a change here orphans every stored key.
        assert_eq!(
            key_hash(""),
            i64::from_ne_bytes(0xcbf2_9ce4_8422_2325_u64.to_ne_bytes())
        );
        assert_eq!(
            key_hash("a"),
            i64::from_ne_bytes(0xaf63_dc4c_8601_ec8c_u64.to_ne_bytes())
        );
    }

    #[test]
    fn hashes_sorted_unique() {
        let h = key_hashes(["b", "a", "b"]);
        assert_eq!(h.len(), 2);
        assert!(h[0] < h[1]);
    }
}
