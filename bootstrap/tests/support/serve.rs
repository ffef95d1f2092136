//! `tessera serve` as a child process: JSON logs read from its stderr, ports learned from its
//! "tessera is listening" line (it binds port 0, so no free port is guessed and reused).
#![allow(dead_code)] // each test file uses a part of it

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The binary under test.
pub const TESSERA: &str = env!("CARGO_BIN_EXE_tessera");

/// A running `tessera serve`.
#[derive(Debug)]
pub struct Serve {
    child: Child,
    logs: Receiver<Value>,
    /// Every line the process wrote, stdout and stderr, as written.
    output: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
    /// `http://127.0.0.1:<port>` of the public listener.
    pub base: String,
    /// `http://127.0.0.1:<port>` of the metrics listener.
    pub metrics: String,
    /// A client without a connection pool, so no idle connection outlives a request.
    pub client: reqwest::Client,
}

impl Serve {
    /// Starts `tessera serve` with `env` on top of: both listeners on port 0 of loopback,
    /// JSON logs at info, and no shutdown delay (tests that want one set it); returns once it
    /// listens.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let mut serve = Self::spawn(env);
        let listening = serve.wait_for_log("tessera is listening", Duration::from_secs(60));
        let port = |field: &str| listening[field].as_u64().unwrap();
        serve.base = format!("http://127.0.0.1:{}", port("port"));
        serve.metrics = format!("http://127.0.0.1:{}", port("metrics_port"));
        serve
    }

    /// Starts `tessera serve` as [`Serve::start`] does, without waiting for it to listen
    /// (`base` and `metrics` stay empty): for tests of a start-up that does not get there.
    pub fn spawn(env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(TESSERA);
        command
            .arg("serve")
            .env("TESSERA_HTTP__ADDRESS", "127.0.0.1:0")
            .env("TESSERA_HTTP__METRICS_ADDRESS", "127.0.0.1:0")
            .env("TESSERA_HTTP__SHUTDOWN_DELAY", "0s")
            .env("TESSERA_LOG__FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let (sender, logs) = channel();
        let output = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            read_lines(child.stderr.take().unwrap(), sender, output.clone()),
            read_lines(child.stdout.take().unwrap(), channel().0, output.clone()),
        ];
        Self {
            child,
            logs,
            output,
            readers,
            base: String::new(),
            metrics: String::new(),
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
        }
    }

    /// `tessera serve` on the embedded database in `data_dir`.
    pub fn embedded(data_dir: &std::path::Path) -> Self {
        Self::start(&[("TESSERA_DATA_DIR", data_dir.to_str().unwrap())])
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The status of `GET <path>` on the public listener, `None` when nothing answers.
    pub async fn status(&self, path: &str) -> Option<u16> {
        let response = self.client.get(format!("{}{path}", self.base)).send();
        response.await.ok().map(|r| r.status().as_u16())
    }

    /// The value of the metric `name` (a series without labels).
    pub async fn metric(&self, name: &str) -> f64 {
        let url = format!("{}/metrics", self.metrics);
        let text = self.client.get(url).send().await.unwrap();
        let text = text.text().await.unwrap();
        let line = text.lines().find(|l| l.starts_with(&format!("{name} ")));
        line.and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    }

    /// Waits (up to a minute) until `/readyz` answers 200.
    pub async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.status("/readyz").await != Some(200) {
            assert!(Instant::now() < deadline, "tessera did not become ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends `signal` (`TERM`, `KILL`, …) to the process.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// The next log line whose message is `message`, waiting up to `within`.
    pub fn wait_for_log(&self, message: &str, within: Duration) -> Value {
        wait_for(&self.logs, message, within)
    }

    /// Everything the process wrote to stdout and stderr, once it has exited (waits until
    /// both are closed).
    pub fn output_after_exit(&mut self) -> String {
        assert!(
            self.child.try_wait().unwrap().is_some(),
            "tessera is still running"
        );
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        self.output.lock().unwrap().join("\n")
    }

    /// Waits up to `within` for the process to exit (and reaps it: until then it stays in
    /// /proc as a zombie); returns its status and how long it took.
    pub async fn wait_exit(&mut self, within: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            assert!(
                started.elapsed() < within,
                "tessera did not exit within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads `from` line by line into `output`; JSON lines also go to `logs`, others are shown.
fn read_lines(
    from: impl Read + Send + 'static,
    logs: Sender<Value>,
    output: Arc<Mutex<Vec<String>>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            output.lock().unwrap().push(line.clone());
            match serde_json::from_str::<Value>(&line) {
                Ok(json) => {
                    let _ = logs.send(json);
                }
                Err(_) => eprintln!("tessera: {line}"),
            }
        }
    })
}

fn wait_for(logs: &Receiver<Value>, message: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match logs.recv_timeout(left) {
            Ok(line) if line["message"] == message => return line,
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => panic!("no log line `{message}` within {within:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("tessera exited before `{message}`"),
        }
    }
}

/// A fresh directory for an embedded database, removed by [`remove_data_dir`].
pub fn new_data_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tessera-bin-{}", uuid::Uuid::new_v4().simple()))
}

/// Waits (up to 30 s) until no PostgreSQL runs in `data_dir`, then removes it.
pub async fn remove_data_dir(data_dir: &std::path::Path) {
    let pid_file = data_dir.join("postgres").join("postmaster.pid");
    let deadline = Instant::now() + Duration::from_secs(30);
    while pid_file.exists() {
        assert!(
            Instant::now() < deadline,
            "the embedded PostgreSQL was never stopped"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = std::fs::remove_dir_all(data_dir);
}
