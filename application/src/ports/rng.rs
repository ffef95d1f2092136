/// A source of cryptographically secure randomness (SPEC §7: the OS CSPRNG).
pub trait Rng: Send + Sync + 'static {
    /// Fills `buf` with random bytes. MUST be a CSPRNG; MUST NOT fail silently.
    fn fill(&self, buf: &mut [u8]);

    /// A random (version 4) id for a new row, from this source, so that ids are as
    /// reproducible in tests as everything else random.
    fn uuid(&self) -> uuid::Uuid {
        let mut bytes = [0u8; 16];
        self.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}
