//! Where the cluster's files live and how its secrets are written.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::os_user::OsUser;

/// Where the cluster lives: `data_dir/postgres`, unless tessera runs as root and the
/// unprivileged OS user cannot reach `data_dir` (say, a checkout under `/root`). Then the
/// cluster lives in `/var/lib/tessera/<hash of data_dir>` and `data_dir/postgres` is a
/// symlink to it, so the data still belongs to this `data_dir` and survives restarts.
pub(super) fn cluster_dir(data_dir: &Path, run_as: Option<&OsUser>) -> std::io::Result<PathBuf> {
    let link = data_dir.join("postgres");
    if link.is_symlink() {
        return fs::read_link(&link);
    }
    match run_as {
        Some(user) if !link.exists() && !user.can_reach(data_dir) => {
            let digest = ring::digest::digest(
                &ring::digest::SHA256,
                data_dir.as_os_str().as_encoded_bytes(),
            );
            let name: String = digest.as_ref()[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let home = Path::new("/var/lib/tessera");
            fs::create_dir_all(home)?;
            fs::set_permissions(home, fs::Permissions::from_mode(0o755))?;
            let cluster = home.join(format!("embedded-{name}"));
            std::os::unix::fs::symlink(&cluster, &link)?;
            Ok(cluster)
        }
        _ => Ok(link),
    }
}

/// 24 random bytes, hex-encoded: the cluster's password.
pub(super) fn random_hex() -> std::io::Result<String> {
    let mut bytes = [0u8; 24];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| std::io::Error::other("the OS random source failed"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes `content` to a file only its owner may read.
pub(super) fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}
