//! The embedded default of SPEC §1: a private PostgreSQL cluster under `data_dir`, started
//! from the machine's own server binaries and stopped with tessera.

mod binaries;
mod os_user;

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// A running embedded cluster. Stop it with [`EmbeddedPostgres::stop`]; should this process
/// die first, a watchdog stops the cluster.
pub struct EmbeddedPostgres {
    cluster: PathBuf,
    bindir: PathBuf,
    run_as: Option<OsUser>,
    url: String,
    owned: bool,
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
    /// another tessera process already runs there. With `remove_on_exit` the whole
    /// `data_dir` is deleted when the cluster stops (throwaway test clusters).
    pub fn start(data_dir: &Path, remove_on_exit: bool) -> Result<Self, EmbeddedError> {
        let bindir = binaries::find().ok_or(EmbeddedError::NoBinaries)?;
        fs::create_dir_all(data_dir).map_err(step("creating data_dir"))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(step("resolving data_dir"))?;
        let run_as = OsUser::unprivileged_if_root().map_err(step("choosing an OS user"))?;
        let mut db = Self {
            cluster: cluster_dir(&data_dir, run_as.as_ref())
                .map_err(step("placing the cluster"))?,
            bindir,
            run_as,
            url: String::new(),
            owned: true,
        };
        let password = db.init_once(&data_dir)?;
        if let Some(port) = db.running_port() {
            db.owned = false;
            db.url = url(&password, port);
            return Ok(db);
        }
        let port = db.choose_port(&data_dir).map_err(step("choosing a port"))?;
        db.pg_ctl_start(port)?;
        db.spawn_watchdog(if remove_on_exit {
            Some(&data_dir)
        } else {
            None
        })?;
        db.url = url(&password, port);
        Ok(db)
    }

    /// Whether this process started the cluster (and so stops it), rather than attaching
    /// to the one another tessera process runs in the same `data_dir`.
    pub fn owned(&self) -> bool {
        self.owned
    }

    /// The connection URL (contains the cluster's password: never log it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the cluster if this process started it; waits for a clean shutdown.
    pub fn stop(&self) -> Result<(), EmbeddedError> {
        if !self.owned {
            return Ok(());
        }
        let d = self.cluster.display().to_string();
        self.run(
            "pg_ctl stop",
            "pg_ctl",
            &["-D", &d, "-m", "fast", "-w", "stop"],
        )
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

    /// A small shell loop, in its own process group, that stops the cluster (and removes a
    /// throwaway data directory) once this process is gone, however it ended.
    fn spawn_watchdog(&self, remove: Option<&Path>) -> Result<(), EmbeddedError> {
        // Paths travel as positional arguments, never inside the script text.
        const SCRIPT: &str = r#"while [ -d "/proc/$1" ]; do sleep 1; done
"$2" -D "$3" -m fast -w stop >/dev/null 2>&1
if [ -n "$4" ]; then rm -rf -- "$4"; fi"#;
        let pid = std::process::id().to_string();
        let pg_ctl = self.bindir.join("pg_ctl");
        let remove = remove.map(Path::as_os_str).unwrap_or_default();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", SCRIPT, "tessera-watchdog", &pid])
            .arg(&pg_ctl)
            .arg(&self.cluster)
            .arg(remove)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.process_group(0);
        if let Some(user) = &self.run_as {
            if !remove.is_empty() {
                user.chown_tree(self.cluster.parent().unwrap_or(&self.cluster))
                    .map_err(step("handing the data directory to its user"))?;
            }
            user.apply(&mut cmd);
        }
        cmd.spawn().map(drop).map_err(step("starting the watchdog"))
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

/// Where the cluster lives: `data_dir/postgres`, unless tessera runs as root and the
/// unprivileged OS user cannot reach `data_dir` (say, a checkout under `/root`). Then the
/// cluster lives in `/var/lib/tessera/<hash of data_dir>` and `data_dir/postgres` is a
/// symlink to it, so the data still belongs to this `data_dir` and survives restarts.
fn cluster_dir(data_dir: &Path, run_as: Option<&OsUser>) -> std::io::Result<PathBuf> {
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

fn url(password: &str, port: u16) -> String {
    format!("postgres://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres")
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn random_hex() -> std::io::Result<String> {
    let mut bytes = [0u8; 24];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| std::io::Error::other("the OS random source failed"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}
