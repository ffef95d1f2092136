/// A source of cryptographically secure randomness (SPEC §7: the OS CSPRNG).
pub trait Rng: Send + Sync + 'static {
    /// Fills `buf` with random bytes. MUST be a CSPRNG; MUST NOT fail silently.
    fn fill(&self, buf: &mut [u8]);
}
