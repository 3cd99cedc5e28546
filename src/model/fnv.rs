//! FNV-1a hashing for maps with short keys looked up often (log line keys,
//! the shared evaluation's interned ids), where SipHash's protection against
//! crafted keys buys nothing.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

#[derive(Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        // FNV-1a's low bits depend only on the inputs' low bits, and the
        // map picks buckets by the low bits: mix them (MurmurHash3's
        // finaliser) so that keys of small integers spread.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A `HashMap` hashed with [`Fnv`].
pub type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
