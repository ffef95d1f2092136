//! Comparison of secret bytes whose duration does not depend on where they differ.

use std::hint::black_box;

/// Whether `a` and `b` are equal, taking the same time wherever they differ (only the
/// lengths, which are public, may end it early). `ring::constant_time` is deprecated in
/// ring 0.17, so this is the usual XOR fold, with `black_box` against short-circuiting.
pub fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| black_box(acc | (x ^ y)));
    black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_slices_are_equal() {
        assert!(bytes_equal(b"same bytes", b"same bytes"));
        assert!(bytes_equal(b"", b""));
    }

    #[test]
    fn slices_differing_in_any_single_byte_are_not_equal() {
        let a = [7u8; 32];
        for i in 0..a.len() {
            let mut b = a;
            b[i] ^= 0x01;
            assert!(!bytes_equal(&a, &b), "difference at {i} not seen");
        }
    }

    #[test]
    fn slices_of_different_lengths_are_not_equal() {
        assert!(!bytes_equal(b"abc", b"abcd"));
    }
}
