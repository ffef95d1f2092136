//! The watchdog: a small shell loop, in its own process group, that stops the cluster (and
//! removes a throwaway data directory) once the tessera process that started it is gone,
//! however it ended, and nobody else uses the cluster.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use super::os_user::OsUser;

/// What the watchdog looks after.
pub(super) struct Watched<'a> {
    /// The `pg_ctl` to stop the cluster with.
    pub(super) pg_ctl: &'a Path,
    /// The cluster's directory.
    pub(super) cluster: &'a Path,
    /// The in-use lock file (see `in_use.rs`).
    pub(super) in_use: &'a Path,
    /// A throwaway data directory to delete after the stop.
    pub(super) remove: Option<&'a Path>,
    /// The OS user PostgreSQL runs as, when tessera is root.
    pub(super) run_as: Option<&'a OsUser>,
}

/// Waits for this process to vanish from /proc (it looks once a second), then for the in-use
/// lock, exclusively (util-linux `flock`), so that it never stops a cluster another process
/// uses: one that attached, or one that adopted the cluster after this process died. Where
/// `flock` is missing it stops the cluster as soon as this process is gone.
///
/// Paths travel as positional arguments, never inside the script text. The lock file is
/// opened at once, while it surely exists; `flock -x 9` then waits on it.
const SCRIPT: &str = r#"exec 9<"$5" || exit 1
while [ -d "/proc/$1" ]; do sleep 1; done
if command -v flock >/dev/null 2>&1; then flock -x 9 || exit 1; fi
if "$2" -D "$3" status >/dev/null 2>&1; then "$2" -D "$3" -m fast -w stop >/dev/null 2>&1; fi
if [ -n "$4" ]; then rm -rf -- "$4"; fi"#;

/// Starts the watchdog of this process for `watched`.
pub(super) fn spawn(watched: Watched<'_>) -> std::io::Result<()> {
    let pid = std::process::id().to_string();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", SCRIPT, "tessera-watchdog", &pid])
        .arg(watched.pg_ctl)
        .arg(watched.cluster)
        .arg(watched.remove.map(Path::as_os_str).unwrap_or_default())
        .arg(watched.in_use)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.process_group(0);
    if let Some(user) = watched.run_as {
        user.apply(&mut cmd);
    }
    cmd.spawn().map(drop)
}
