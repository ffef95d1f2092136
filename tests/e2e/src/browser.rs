//! `Browser`: headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`, installed by `.ci/run`), for tests that need a real browser.
//!
//! Each `Browser` starts its own `chromedriver` on a free port (another if that one is taken
//! before chromedriver binds it), in its own process group,
//! with a fresh profile directory; dropping it kills that group and removes the directory.
//! Call [`Browser::close`] at the end of a test so Chromium quits cleanly first.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// How long a helper waits for an element, a page or the driver before it fails the test.
const WAIT: Duration = Duration::from_secs(10);

/// Chromium's flags: headless, as root, and never reaching for the network on its own.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,800",
];

/// A headless Chromium session and the `chromedriver` that runs it.
#[derive(Debug)]
pub struct Browser {
    client: Client,
    driver: Driver,
}

impl Browser {
    /// Starts `chromedriver` on a free port and opens a headless Chromium session.
    pub async fn launch() -> Browser {
        let driver = Driver::start();
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities(&driver.profile()))
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| panic!("chromedriver opened no session: {e}\n{}", driver.log()));
        Browser { client, driver }
    }

    /// The WebDriver client, for what the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Navigates to `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Replaces the value of the field matched by `css` with `value`, as typed keys.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.element(css).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear {css}: {e}"));
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    /// Clicks the element matched by `css`.
    pub async fn click(&self, css: &str) {
        self.element(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    /// The rendered text of the element matched by `css`.
    pub async fn text_of(&self, css: &str) -> String {
        self.element(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("cannot read the text of {css}: {e}"))
    }

    /// The address of the page shown now.
    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .unwrap_or_else(|e| panic!("cannot read the current URL: {e}"))
            .to_string()
    }

    /// Waits until the page shown has the path `path`: a redirect or a form post has landed.
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self
                .client
                .current_url()
                .await
                .unwrap_or_else(|e| panic!("cannot read the current URL: {e}"));
            if url.path() == path {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "still on {url} after {WAIT:?}, expected the path {path}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's source no longer contains `text`: a post that comes back to
    /// the same path has landed (the path alone cannot tell).
    pub async fn wait_until_gone(&self, text: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let source = self
                .client
                .source()
                .await
                .unwrap_or_else(|e| panic!("cannot read the page source: {e}"));
            if !source.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the page still shows {text:?} after {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Ends the session so Chromium quits, then stops `chromedriver`.
    pub async fn close(self) {
        let Browser { client, driver } = self;
        client
            .close()
            .await
            .unwrap_or_else(|e| panic!("cannot end the browser session: {e}"));
        drop(driver);
    }

    async fn element(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "no element matches {css} on {}: {e}",
                self.current_url().await
            ),
        }
    }
}

/// A `chromedriver` child in its own process group, with a scratch directory for its log,
/// Chromium's profile and its `$HOME`; dropping it kills the group and removes the directory.
#[derive(Debug)]
struct Driver {
    child: Child,
    port: u16,
    scratch: PathBuf,
}

impl Driver {
    /// Starts `chromedriver` on a port that was free a moment ago. Another process may take
    /// that port first: chromedriver then exits without saying it started, and a new port is
    /// tried. Nothing is taken as ours before chromedriver itself says it listens.
    fn start() -> Driver {
        for _ in 0..5 {
            if let Some(driver) = Self::try_start(free_port()) {
                return driver;
            }
        }
        panic!("chromedriver could not listen on any of 5 free ports")
    }

    /// `None` when chromedriver exited before it listened (its port was taken).
    fn try_start(port: u16) -> Option<Driver> {
        let scratch =
            std::env::temp_dir().join(format!("tessera-browser-{}-{port}", std::process::id()));
        let profile = scratch.join("profile");
        std::fs::create_dir_all(&profile)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", profile.display()));
        let mut child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                scratch.join("chromedriver.log").display()
            ))
            // Chromium writes crash-report and GTK state under $HOME and the XDG dirs.
            .env("HOME", &scratch)
            .env("XDG_CONFIG_HOME", scratch.join("config"))
            .env("XDG_CACHE_HOME", scratch.join("cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start chromedriver ({e}); install chromium-driver as .ci/run does")
            });
        let started = started_lines(child.stdout.take().expect("piped stdout"));
        let driver = Driver {
            child,
            port,
            scratch,
        };
        match started.recv_timeout(WAIT) {
            Ok(()) => Some(driver),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!(
                "chromedriver did not listen on port {port} within {WAIT:?}\n{}",
                driver.log()
            ),
        }
    }

    fn profile(&self) -> PathBuf {
        self.scratch.join("profile")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.scratch.join("chromedriver.log")).unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Chromium was started by chromedriver inside its process group: end them all.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Headless Chromium with its own fresh profile.
fn capabilities(profile: &Path) -> Capabilities {
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|arg| (*arg).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut capabilities = Capabilities::new();
    capabilities.insert("browserName".to_owned(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".to_owned(), json!({ "args": args }));
    capabilities
}

/// Reads chromedriver's stdout to its end (so it never blocks on a full pipe); sends once
/// when it says it started. The channel closes without a message when it exits first.
fn started_lines(stdout: std::process::ChildStdout) -> Receiver<()> {
    let (started, receiver) = sync_channel(1);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("started successfully") {
                let _ = started.try_send(());
            }
        }
    });
    receiver
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free local port")
}
