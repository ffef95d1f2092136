//! The embedded database across restarts of the real binary: a process that follows another
//! on the same `data_dir` keeps its database, however the one before it ended.
//!
//! The process before is reaped only once the next one is ready: until then it stays in /proc
//! as a zombie, so its watchdog (which waits for it to vanish) acts at the worst moment
//! instead of racing the next start-up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

#[path = "support/serve.rs"]
mod serve;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serve::{Serve, TESSERA, new_data_dir, remove_data_dir};

/// Waits until the watchdog of process `pid` has seen it gone and is waiting for the in-use
/// lock (its `flock` child runs): the moment a watchdog without that lock would have stopped
/// the cluster. An event, not a guessed delay; a watchdog that never gets there fails the test.
async fn watchdog_waits_on_the_lock(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !watchdog_blocked_on_lock(pid) {
        assert!(
            Instant::now() < deadline,
            "the watchdog of process {pid} never reached the in-use lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn watchdog_blocked_on_lock(pid: u32) -> bool {
    let pid = pid.to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let process = entry.file_name().to_string_lossy().into_owned();
        let runs_flock = cmdline(&process)
            .first()
            .is_some_and(|program| program.ends_with("flock"));
        runs_flock
            && parent(&process).is_some_and(|parent| {
                cmdline(&parent)
                    .windows(2)
                    .any(|pair| pair[0] == "tessera-watchdog" && pair[1] == pid)
            })
    })
}

fn cmdline(process: &str) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{process}/cmdline")).unwrap_or_default();
    raw.split(|b| *b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

fn parent(process: &str) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{process}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1).map(str::to_owned)
}

async fn still_ready_and_serving(serve: &Serve) {
    assert_eq!(serve.status("/readyz").await, Some(200), "still ready");
    assert_eq!(
        serve.status("/api/v2/users/me").await,
        Some(401),
        "still serving"
    );
}

#[tokio::test]
async fn a_serve_started_right_after_another_stopped_keeps_its_embedded_database() {
    let data_dir = new_data_dir();
    let mut first = Serve::embedded(&data_dir);
    first.wait_ready().await;
    first.signal("TERM");
    first.wait_for_log("embedded PostgreSQL stopped", Duration::from_secs(30));

    let mut second = Serve::embedded(&data_dir);
    second.wait_ready().await;
    assert!(first.wait_exit(Duration::from_secs(30)).await.0.success());

    watchdog_waits_on_the_lock(first.pid()).await;
    still_ready_and_serving(&second).await;
    second.signal("TERM");
    assert!(second.wait_exit(Duration::from_secs(30)).await.0.success());
    remove_data_dir(&data_dir).await;
}

#[tokio::test]
async fn a_serve_started_after_another_was_killed_keeps_the_cluster_it_adopted() {
    let data_dir = new_data_dir();
    let mut first = Serve::embedded(&data_dir);
    first.wait_ready().await;
    first.signal("KILL");

    let mut second = Serve::embedded(&data_dir);
    second.wait_ready().await;
    first.wait_exit(Duration::from_secs(10)).await;

    watchdog_waits_on_the_lock(first.pid()).await;
    still_ready_and_serving(&second).await;
    second.signal("TERM");
    assert!(second.wait_exit(Duration::from_secs(30)).await.0.success());
    // The last process out (or the dead one's watchdog) stops the cluster.
    remove_data_dir(&data_dir).await;
}

#[tokio::test]
async fn a_serve_sharing_the_cluster_keeps_it_when_the_one_that_started_it_stops() {
    let data_dir = new_data_dir();
    let mut first = Serve::embedded(&data_dir);
    first.wait_ready().await;
    let mut second = Serve::embedded(&data_dir);
    second.wait_ready().await;

    first.signal("TERM");
    assert!(first.wait_exit(Duration::from_secs(30)).await.0.success());

    watchdog_waits_on_the_lock(first.pid()).await;
    still_ready_and_serving(&second).await;
    second.signal("TERM");
    assert!(second.wait_exit(Duration::from_secs(30)).await.0.success());
    remove_data_dir(&data_dir).await;
}

#[tokio::test]
async fn a_cli_command_next_to_a_serve_leaves_the_cluster_running_for_it() {
    let data_dir = new_data_dir();
    let mut serve = Serve::embedded(&data_dir);
    serve.wait_ready().await;

    let mut command = std::process::Command::new(TESSERA)
        .args([
            "users",
            "create",
            "--email",
            "ada@example.com",
            "--username",
            "ada",
        ])
        .arg("--password-stdin")
        .env("TESSERA_DATA_DIR", &data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = command.stdin.take().unwrap();
    stdin.write_all(b"correct horse battery\n").unwrap();
    drop(stdin);
    let created = command.wait_with_output().unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    still_ready_and_serving(&serve).await;
    serve.signal("TERM");
    assert!(serve.wait_exit(Duration::from_secs(30)).await.0.success());
    remove_data_dir(&data_dir).await;
}
