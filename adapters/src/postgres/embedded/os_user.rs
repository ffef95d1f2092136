//! PostgreSQL refuses to run as root: when tessera is root, the cluster runs as an
//! unprivileged OS user (`postgres` where it exists, else `nobody`).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// An OS account the cluster's processes run as.
#[derive(Debug, Clone)]
pub(super) struct OsUser {
    pub(super) name: String,
    uid: u32,
    gid: u32,
}

impl OsUser {
    /// `None` when this process is not root (the cluster then runs as this process's user).
    pub(super) fn unprivileged_if_root() -> std::io::Result<Option<Self>> {
        if effective_uid()? != 0 {
            return Ok(None);
        }
        let passwd = std::fs::read_to_string("/etc/passwd")?;
        ["postgres", "nobody"]
            .iter()
            .find_map(|name| lookup(&passwd, name))
            .map(Some)
            .ok_or_else(|| {
                std::io::Error::other(
                    "running as root, but neither a `postgres` nor a `nobody` user exists",
                )
            })
    }

    pub(super) fn apply(&self, cmd: &mut Command) {
        cmd.uid(self.uid)
            .gid(self.gid)
            .env("HOME", "/")
            .env_remove("PGDATA");
    }

    /// Whether this user may enter `dir` (every directory on the way must let it through).
    pub(super) fn can_reach(&self, dir: &Path) -> bool {
        let mut cmd = Command::new("test");
        cmd.arg("-x").arg(dir);
        self.apply(&mut cmd);
        cmd.status().is_ok_and(|s| s.success())
    }

    pub(super) fn chown(&self, path: &Path) -> std::io::Result<()> {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
    }

    pub(super) fn chown_tree(&self, path: &Path) -> std::io::Result<()> {
        self.chown(path)?;
        if path.is_dir() && !path.is_symlink() {
            for entry in std::fs::read_dir(path)? {
                self.chown_tree(&entry?.path())?;
            }
        }
        Ok(())
    }
}

fn lookup(passwd: &str, name: &str) -> Option<OsUser> {
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&name) && fields.len() > 3).then(|| OsUser {
                name: name.to_owned(),
                uid: fields[2].parse().unwrap_or(u32::MAX),
                gid: fields[3].parse().unwrap_or(u32::MAX),
            })
        })
        .filter(|u| u.uid != u32::MAX && u.gid != u32::MAX)
}

/// The effective uid, read from /proc (std has no getuid and unsafe code is forbidden).
fn effective_uid() -> std::io::Result<u32> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|euid| euid.parse().ok())
        .ok_or_else(|| {
            std::io::Error::other("cannot read the effective uid from /proc/self/status")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_found_by_name_in_a_passwd_file() {
        let passwd = "root:x:0:0::/root:/bin/sh\npostgres:x:105:110::/var/lib/postgresql:/bin/sh\n";
        let user = lookup(passwd, "postgres").unwrap();
        assert_eq!((user.uid, user.gid), (105, 110));
        assert!(lookup(passwd, "nobody").is_none());
    }
}
