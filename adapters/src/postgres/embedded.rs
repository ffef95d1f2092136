//! The embedded default of SPEC §1: a private PostgreSQL cluster under `data_dir`, started
//! from the machine's own server binaries and stopped with tessera.

mod binaries;
mod files;
mod in_use;
mod os_user;
mod watchdog;

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use files::{cluster_dir, random_hex, write_private};
use in_use::{InUse, StartGate};
use os_user::OsUser;

/// Why the embedded database could not be started.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// No `initdb`/`postgres`/`pg_ctl` could be found.
    #[error(
        "no PostgreSQL server binaries found (looked at `pg_config --bindir`, \
         /usr/lib/postgresql/*/bin and PATH). Install them (Debian/Ubuntu: \
         `apt-get install postgresql`) or set `database.url` (TESSERA_DATABASE__URL) to an \
         existing PostgreSQL"
    )]
    NoBinaries,
    /// A step failed; says which and what PostgreSQL printed.
    #[error("embedded PostgreSQL: {step} failed: {detail}")]
    Step {
        /// The step, e.g. `initdb`.
        step: &'static str,
        /// What went wrong, with a hint where one helps.
        detail: String,
    },
}

fn step(step: &'static str) -> impl FnOnce(std::io::Error) -> EmbeddedError {
    move |e| EmbeddedError::Step {
        step,
        detail: e.to_string(),
    }
}

/// A running embedded cluster, shared by the tessera processes of one `data_dir` (a `serve`
/// and a `users create`, or a `serve` and the one replacing it). Each says when it is done
/// with [`EmbeddedPostgres::stop`]; the last one stops the cluster. Should a process die
/// first, the watchdog of the one that started the cluster stops it once nobody uses it.
pub struct EmbeddedPostgres {
    cluster: PathBuf,
    bindir: PathBuf,
    run_as: Option<OsUser>,
    url: String,
    owned: bool,
    in_use: InUse,
}

/// What [`EmbeddedPostgres::stop`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    /// Nobody else used the cluster: it is stopped.
    Stopped,
    /// Another tessera process still uses it: it keeps running for that one.
    StillInUse,
}

const SUPERUSER: &str = "tessera";

/// Shows where the cluster is, never its URL (which holds the password).
impl std::fmt::Debug for EmbeddedPostgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedPostgres")
            .field("cluster", &self.cluster)
            .field("owned", &self.owned)
            .finish_non_exhaustive()
    }
}

impl EmbeddedPostgres {
    /// Starts (creating on first use) the cluster under `data_dir`, or attaches to the one
    /// another tessera process already runs there; waits while one is being stopped. With
    /// `remove_on_exit` the whole `data_dir` is deleted once this process is gone and the
    /// cluster stopped (throwaway test clusters).
    pub fn start(data_dir: &Path, remove_on_exit: bool) -> Result<Self, EmbeddedError> {
        let bindir = binaries::find().ok_or(EmbeddedError::NoBinaries)?;
        fs::create_dir_all(data_dir).map_err(step("creating data_dir"))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(step("resolving data_dir"))?;
        let run_as = OsUser::unprivileged_if_root().map_err(step("choosing an OS user"))?;
        let cluster =
            cluster_dir(&data_dir, run_as.as_ref()).map_err(step("placing the cluster"))?;
        let in_use = InUse::open(&cluster, run_as.as_ref()).map_err(step("opening the lock"))?;
        let _gate = StartGate::enter(&cluster).map_err(step("waiting to start the cluster"))?;
        in_use
            .hold_shared()
            .map_err(step("waiting for the cluster to stop"))?;
        let mut db = Self {
            cluster,
            bindir,
            run_as,
            url: String::new(),
            owned: true,
            in_use,
        };
        let password = db.init_once(&data_dir)?;
        if let Some(port) = db.running_port() {
            db.owned = false;
            db.url = url(&password, port);
            return Ok(db);
        }
        let port = db.choose_port(&data_dir).map_err(step("choosing a port"))?;
        db.pg_ctl_start(port)?;
        if remove_on_exit && let Some(user) = &db.run_as {
            user.chown_tree(&data_dir)
                .map_err(step("handing the data directory to its user"))?;
        }
        watchdog::spawn(watchdog::Watched {
            pg_ctl: &db.bindir.join("pg_ctl"),
            cluster: &db.cluster,
            in_use: db.in_use.path(),
            remove: remove_on_exit.then_some(data_dir.as_path()),
            run_as: db.run_as.as_ref(),
        })
        .map_err(step("starting the watchdog"))?;
        db.url = url(&password, port);
        Ok(db)
    }

    /// Whether this process started the cluster, rather than attaching to the one another
    /// tessera process runs in the same `data_dir`.
    pub fn owned(&self) -> bool {
        self.owned
    }

    /// The connection URL (contains the cluster's password: never log it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// This process is done with the cluster: stops it (waiting for a clean shutdown) unless
    /// another tessera process still uses it, which then stops it in turn.
    pub fn stop(&self) -> Result<StopOutcome, EmbeddedError> {
        let last = self
            .in_use
            .release_and_try_exclusive()
            .map_err(step("releasing the cluster"))?;
        if !last {
            return Ok(StopOutcome::StillInUse);
        }
        let d = self.cluster.display().to_string();
        let stopped = match self.running_port() {
            Some(_) => self.run(
                "pg_ctl stop",
                "pg_ctl",
                &["-D", &d, "-m", "fast", "-w", "stop"],
            ),
            None => Ok(()),
        };
        let released = self.in_use.release().map_err(step("releasing the cluster"));
        stopped.and(released).map(|()| StopOutcome::Stopped)
    }

    /// Creates the cluster on first use; returns its superuser password.
    fn init_once(&self, data_dir: &Path) -> Result<String, EmbeddedError> {
        let password_file = data_dir.join("postgres.password");
        if self.cluster.join("PG_VERSION").exists() {
            return fs::read_to_string(&password_file)
                .map(|p| p.trim().to_owned())
                .map_err(step("reading postgres.password"));
        }
        let _ = fs::remove_dir_all(&self.cluster);
        fs::create_dir(&self.cluster).map_err(step("creating the cluster directory"))?;
        fs::set_permissions(&self.cluster, fs::Permissions::from_mode(0o700))
            .map_err(step("securing the cluster directory"))?;
        let password = random_hex().map_err(step("generating a password"))?;
        // initdb reads the password from a file the PostgreSQL user can read; it is removed after.
        // Beside the cluster, where its OS user can read it (data_dir may be out of its reach).
        let pwfile = self.cluster.with_extension("initdb.pw");
        write_private(&pwfile, &password).map_err(step("writing the initdb password file"))?;
        if let Some(user) = &self.run_as {
            user.chown(&self.cluster)
                .map_err(step("handing the cluster directory to its user"))?;
            user.chown(&pwfile)
                .map_err(step("handing the password file to its user"))?;
        }
        let d = self.cluster.display().to_string();
        let pw = format!("--pwfile={}", pwfile.display());
        let result = self.run(
            "initdb",
            "initdb",
            &[
                "-D",
                &d,
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                &pw,
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        let _ = fs::remove_file(&pwfile);
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&self.cluster);
            return Err(self.with_root_hint(e));
        }
        write_private(&password_file, &password).map_err(step("writing postgres.password"))?;
        Ok(password)
    }

    /// The port used last time when it is still free (so the URL stays the same across
    /// restarts), else a new free one, remembered for next time.
    fn choose_port(&self, data_dir: &Path) -> std::io::Result<u16> {
        let file = data_dir.join("postgres.port");
        let previous = fs::read_to_string(&file)
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok());
        let port = match previous.filter(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok()) {
            Some(port) => port,
            None => free_port()?,
        };
        fs::write(&file, port.to_string())?;
        Ok(port)
    }

    /// The port of a cluster already running in this directory, if any.
    fn running_port(&self) -> Option<u16> {
        let d = self.cluster.display().to_string();
        self.run("pg_ctl status", "pg_ctl", &["-D", &d, "status"])
            .ok()?;
        let pid_file = fs::read_to_string(self.cluster.join("postmaster.pid")).ok()?;
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    fn pg_ctl_start(&self, port: u16) -> Result<(), EmbeddedError> {
        let d = self.cluster.display().to_string();
        let log = self.cluster.join("server.log").display().to_string();
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
             -c max_connections=200 -c fsync=on"
        );
        self.run(
            "pg_ctl start",
            "pg_ctl",
            &[
                "-D", &d, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        )
        .map_err(|e| self.with_root_hint(e))
    }

    fn run(&self, what: &'static str, program: &str, args: &[&str]) -> Result<(), EmbeddedError> {
        let mut cmd = Command::new(self.bindir.join(program));
        cmd.args(args).stdin(Stdio::null()).current_dir("/");
        cmd.process_group(0);
        if let Some(user) = &self.run_as {
            user.apply(&mut cmd);
        }
        let out = cmd.output().map_err(step(what))?;
        if out.status.success() {
            return Ok(());
        }
        let mut detail = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if detail.is_empty() {
            detail = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
        Err(EmbeddedError::Step { step: what, detail })
    }

    fn with_root_hint(&self, e: EmbeddedError) -> EmbeddedError {
        match (e, &self.run_as) {
            (EmbeddedError::Step { step, detail }, Some(user)) => EmbeddedError::Step {
                step,
                detail: format!(
                    "{detail}\n(tessera runs as root, so PostgreSQL runs as the OS user `{}`, \
                     which must be able to reach {}; choose a data_dir it can reach, e.g. \
                     /var/lib/tessera, or set database.url)",
                    user.name,
                    self.cluster.display()
                ),
            },
            (e, _) => e,
        }
    }
}

fn url(password: &str, port: u16) -> String {
    format!("postgres://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres")
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
