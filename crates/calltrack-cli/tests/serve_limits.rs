//! `calltrack serve` as a site's snippet meets it: new leases limited per source address, the
//! source read from the socket, or from X-Forwarded-For only behind a `--trusted-proxy`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn ct(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_calltrack"))
        .arg("--data")
        .arg(dir)
        .args(args)
        .output()
        .expect("run calltrack");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A data directory with tenant `acme` (site key `sk-acme`, two new leases a minute per
/// source) and a pool of five numbers.
fn tenant(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ct-limits-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    ct(
        &d,
        &[
            "tenant",
            "add",
            "acme",
            "--name",
            "Acme",
            "--site-key",
            "sk-acme",
            "--origin",
            "https://acme.example",
        ],
    );
    ct(&d, &["tenant", "set", "acme", "--lease-rate", "2"]);
    ct(&d, &["pool", "add", "acme", "web"]);
    for i in 0..5 {
        ct(
            &d,
            &[
                "number",
                "add",
                "acme",
                &format!("+1415555{:04}", 2100 + i),
                "--pool",
                "web",
            ],
        );
    }
    d
}

struct Serve {
    child: Child,
    port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, extra: &[&str]) -> Serve {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_calltrack"))
        .arg("--data")
        .arg(dir)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Serve { child, port }
}

/// POST /v1/leases as the snippet sends it; the status.
fn lease(port: u16, visitor: &str, forwarded_for: &str) -> u16 {
    let body = format!(r#"{{"site_key":"sk-acme","visitor_id":"{visitor}"}}"#);
    let req = format!(
        "POST /v1/leases HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://acme.example\r\n\
         User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0\r\nContent-Type: text/plain\r\n\
         X-Forwarded-For: {forwarded_for}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let d = tenant("proxy");
    let s = serve(&d, &["--trusted-proxy", "127.0.0.1/32"]);
    let a: Vec<u16> = (0..3)
        .map(|i| lease(s.port, &format!("a{i}"), "198.51.100.1"))
        .collect();
    assert_eq!(a, vec![200, 200, 429]);
    assert_eq!(
        lease(s.port, "b0", "198.51.100.2"),
        200,
        "another client is served"
    );
}

#[test]
fn without_a_trusted_proxy_forwarded_for_is_ignored() {
    let d = tenant("direct");
    let s = serve(&d, &[]);
    // Forged headers do not make new sources: every request is the socket's 127.0.0.1.
    let got: Vec<u16> = (0..3)
        .map(|i| lease(s.port, &format!("v{i}"), &format!("198.51.100.{i}")))
        .collect();
    assert_eq!(got, vec![200, 200, 429]);
}

/// Reads until the server closes the connection (or `limit` passes); what it sent and when.
fn read_until_closed(s: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    s.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

/// A client that never finishes its headers is dropped after the read timeout, and one that
/// never finishes its body gets 408 in the JSON error shape; meanwhile others are served.
#[test]
fn slow_clients_are_dropped_not_held() {
    let d = tenant("slow");
    let s = serve(&d, &["--read-timeout-seconds", "1"]);
    let mut loris = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    loris
        .write_all(b"POST /v1/leases HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    let mut trickle = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    trickle
        .write_all(
            b"POST /v1/leases HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\
              Content-Length: 200\r\n\r\n{\"site_key\":",
        )
        .unwrap();
    assert_eq!(
        lease(s.port, "fast", "-"),
        200,
        "others are served meanwhile"
    );
    let (answer, took) = read_until_closed(&mut loris, Duration::from_secs(10));
    assert!(took < Duration::from_secs(5), "held {took:?}");
    assert!(!answer.contains(" 200 "), "{answer}");
    let (answer, took) = read_until_closed(&mut trickle, Duration::from_secs(10));
    assert!(took < Duration::from_secs(5), "held {took:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
}
