//! The MCP clients people use — the official TypeScript and Python SDKs, with their default
//! settings — run as child processes against a [`TestApp`]: `tests/clients/typescript` and
//! `tests/clients/python` (installed by `make clients`). Each script starts from the MCP URL
//! alone and prints one JSON object per line; [`Journey`] reads them back.

mod checks;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::process::Command;

use crate::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp};

/// How long one journey may take before it is killed and the test fails.
pub const JOURNEY_TIMEOUT: Duration = Duration::from_secs(120);

/// Which SDK drives the journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sdk {
    /// `@modelcontextprotocol/sdk` from npm, run by `node`.
    TypeScript,
    /// `mcp` from PyPI, run by the Python of `tests/clients/python/.venv`.
    Python,
    /// `mcp` 1.x, the line most deployed clients still embed (no `application_type`), run by
    /// the Python of `tests/clients/python/.venv-v1`.
    PythonV1,
}

impl Sdk {
    /// The directory of the SDK's journey script.
    pub fn dir(self) -> PathBuf {
        let clients = Path::new(env!("CARGO_MANIFEST_DIR")).join("../clients");
        match self {
            Sdk::TypeScript => clients.join("typescript"),
            Sdk::Python | Sdk::PythonV1 => clients.join("python"),
        }
    }

    /// The virtual environment of a Python SDK.
    fn venv(self) -> &'static str {
        match self {
            Sdk::PythonV1 => ".venv-v1",
            _ => ".venv",
        }
    }

    /// The program and argument that run the journey.
    fn command(self) -> (PathBuf, &'static str) {
        match self {
            Sdk::TypeScript => (PathBuf::from("node"), "journey.mjs"),
            Sdk::Python | Sdk::PythonV1 => (
                self.dir().join(self.venv()).join("bin/python"),
                "journey.py",
            ),
        }
    }

    /// What `make clients` leaves behind, and the files it was made from: the journey refuses
    /// to run (and the test fails) when the first is missing or older than the others.
    fn installed_from(self) -> (PathBuf, [PathBuf; 1]) {
        let dir = self.dir();
        match self {
            Sdk::TypeScript => (
                dir.join("node_modules/.package-lock.json"),
                [dir.join("package-lock.json")],
            ),
            Sdk::Python => (dir.join(".venv/.installed"), [dir.join("requirements.txt")]),
            Sdk::PythonV1 => (
                dir.join(".venv-v1/.installed"),
                [dir.join("requirements-v1.txt")],
            ),
        }
    }
}

/// Fails the test, naming `make clients`, unless the SDK is installed and up to date.
pub fn require_installed(sdk: Sdk) {
    let (stamp, sources) = sdk.installed_from();
    let fix = "run `make clients` (npm ci in tests/clients/typescript, and the venvs of tests/clients/python)";
    let Ok(installed) = std::fs::metadata(&stamp).and_then(|m| m.modified()) else {
        panic!(
            "the {sdk:?} MCP SDK is not installed ({} is missing): {fix}",
            stamp.display()
        );
    };
    for source in sources {
        let changed = std::fs::metadata(&source).and_then(|m| m.modified());
        if changed.unwrap_or(SystemTime::UNIX_EPOCH) > installed {
            panic!(
                "{} changed since the {sdk:?} SDK was installed: {fix}",
                source.display()
            );
        }
    }
}

/// What one SDK journey printed, and how it ended.
#[derive(Debug)]
pub struct Journey {
    /// Which SDK ran.
    pub sdk: Sdk,
    /// Every JSON line of its stdout, in order.
    pub events: Vec<Value>,
    /// Whether the process exited with status 0.
    pub succeeded: bool,
    /// Its stderr (the SDK's own logs and a stack trace on failure).
    pub stderr: String,
    /// The MCP URL it started from.
    pub mcp_url: String,
    /// The RFC 9728 metadata URL that URL's challenge names.
    pub resource_metadata_url: String,
}

/// Runs `sdk`'s journey against `app`'s own MCP endpoint as the admin.
pub async fn run_journey(app: &TestApp, sdk: Sdk) -> Journey {
    let (url, metadata) = (app.mcp_url(), app.mcp_resource_metadata_url());
    run_journey_at(sdk, &url, &metadata).await
}

/// Runs `sdk`'s journey from `mcp_url` alone (tessera's endpoint or a protected server's,
/// whose challenge names `resource_metadata_url`) as the admin, killing it after
/// [`JOURNEY_TIMEOUT`].
pub async fn run_journey_at(sdk: Sdk, mcp_url: &str, resource_metadata_url: &str) -> Journey {
    require_installed(sdk);
    let (program, script) = sdk.command();
    let child = Command::new(&program)
        .arg(script)
        .current_dir(sdk.dir())
        .env("TESSERA_MCP_URL", mcp_url)
        .env("TESSERA_EMAIL", ADMIN_EMAIL)
        .env("TESSERA_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let output = tokio::time::timeout(JOURNEY_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("the {sdk:?} journey took longer than {JOURNEY_TIMEOUT:?}"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let events = stdout
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    Journey {
        sdk,
        events,
        succeeded: output.status.success(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        mcp_url: mcp_url.to_owned(),
        resource_metadata_url: resource_metadata_url.to_owned(),
    }
}

impl Journey {
    /// Every event named `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["event"] == name).collect()
    }

    /// The first event named `name`; fails with the whole output when there is none.
    pub fn event(&self, name: &str) -> &Value {
        let found = self.all(name).into_iter().next();
        found.unwrap_or_else(|| {
            panic!(
                "the {:?} journey printed no `{name}` event\n{self}",
                self.sdk
            )
        })
    }

    /// The `whoami` result of `phase` (`first` or `after_refresh`).
    pub fn whoami(&self, phase: &str) -> &Value {
        let found = self.all("whoami").into_iter().find(|e| e["phase"] == phase);
        let found = found.unwrap_or_else(|| panic!("no whoami `{phase}`\n{self}"));
        &found["result"]
    }

    /// The token requests of `grant_type`, as the SDK sent them.
    pub fn token_requests(&self, grant_type: &str) -> Vec<&Value> {
        let all = self.all("token_request").into_iter();
        all.filter(|e| e["form"]["grant_type"] == grant_type)
            .collect()
    }
}

impl std::fmt::Display for Journey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "--- {:?} journey, stdout:", self.sdk)?;
        for event in &self.events {
            writeln!(f, "{event}")?;
        }
        write!(f, "--- stderr:\n{}", self.stderr)
    }
}
