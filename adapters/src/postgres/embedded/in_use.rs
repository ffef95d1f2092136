//! Who may stop the cluster, decided with advisory locks (`flock`) on two files beside it.
//!
//! Every tessera process that uses the cluster holds `<cluster>.in-use.lock` *shared* for as
//! long as it uses it. Whoever stops the cluster (a process on its way out, or the watchdog of
//! one that died) first takes that lock *exclusively*: so a cluster is stopped only once nobody
//! uses it, and a process arriving while a stop is under way waits for the stop to end instead
//! of attaching to a dying cluster. `<cluster>.start.lock` lets one process at a time look for
//! a running cluster and start one, so two never start it together.
//!
//! The kernel drops a process's locks when it dies, however it dies; the files are opened
//! close-on-exec, so no child (PostgreSQL itself) inherits them.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::os_user::OsUser;

/// The lock a process holds shared while it uses the cluster.
#[derive(Debug)]
pub(super) struct InUse {
    file: File,
    path: PathBuf,
}

/// Held while a process looks for a running cluster and starts one; released on drop.
#[derive(Debug)]
pub(super) struct StartGate {
    _held: File,
}

impl InUse {
    /// Opens (creating) the lock file of `cluster`, readable by `run_as`, whose watchdog
    /// takes it too. Holds nothing yet.
    pub(super) fn open(cluster: &Path, run_as: Option<&OsUser>) -> std::io::Result<Self> {
        let path = cluster.with_extension("in-use.lock");
        let file = open_lock_file(&path)?;
        if let Some(user) = run_as {
            user.chown(&path)?;
        }
        Ok(Self { file, path })
    }

    /// Where the lock file is (the watchdog opens it by name).
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Starts using the cluster; blocks while another process is stopping it.
    pub(super) fn hold_shared(&self) -> std::io::Result<()> {
        self.file.lock_shared()
    }

    /// Stops using the cluster; `true` when no other process uses it, in which case this one
    /// now holds the lock exclusively and may stop the cluster (then [`InUse::release`]).
    pub(super) fn release_and_try_exclusive(&self) -> std::io::Result<bool> {
        self.file.unlock()?;
        match self.file.try_lock() {
            Ok(()) => Ok(true),
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    /// Lets go of the lock, however it is held.
    pub(super) fn release(&self) -> std::io::Result<()> {
        self.file.unlock()
    }
}

impl StartGate {
    /// Waits for the other processes starting the cluster of `cluster`, then enters.
    pub(super) fn enter(cluster: &Path) -> std::io::Result<Self> {
        let file = open_lock_file(&cluster.with_extension("start.lock"))?;
        file.lock()?;
        Ok(Self { _held: file })
    }
}

/// A lock file anyone may read (flock needs no more), whatever the umask.
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .open(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two processes' views of one lock: two opens are two open file descriptions, which
    /// `flock` tells apart exactly as it tells processes apart.
    struct TwoViews {
        dir: PathBuf,
        a: InUse,
        b: InUse,
    }

    impl TwoViews {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("tessera-{name}-{}", std::process::id()));
            fs::create_dir_all(&dir).unwrap();
            let cluster = dir.join("postgres");
            let a = InUse::open(&cluster, None).unwrap();
            let b = InUse::open(&cluster, None).unwrap();
            Self { dir, a, b }
        }
    }

    impl Drop for TwoViews {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }

    #[test]
    fn a_process_may_stop_the_cluster_only_when_no_other_uses_it() {
        let TwoViews { a, b, .. } = &TwoViews::new("lock-last-out");
        a.hold_shared().unwrap();
        b.hold_shared().unwrap();

        assert!(!a.release_and_try_exclusive().unwrap(), "b still uses it");
        assert!(
            b.release_and_try_exclusive().unwrap(),
            "nobody else uses it"
        );
        b.release().unwrap();
    }

    #[test]
    fn nobody_starts_using_the_cluster_while_it_is_being_stopped() {
        let TwoViews { a, b, .. } = &TwoViews::new("lock-stopping");
        a.hold_shared().unwrap();
        assert!(a.release_and_try_exclusive().unwrap());

        assert!(matches!(
            b.file.try_lock_shared(),
            Err(TryLockError::WouldBlock)
        ));
        a.release().unwrap();
        b.hold_shared().unwrap();
    }
}
