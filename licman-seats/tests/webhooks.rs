//! Webhooks against a receiver on 127.0.0.1 that fails and then recovers:
//! every kind of alert arrives, signed, retried with backoff, logged.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::server::{ADMIN, Server};
use common::{Db, ok};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "a-webhook-secret-of-some-length";

/// One request the receiver got: its headers (lower-case names) and body.
#[derive(Clone, Debug)]
struct Received {
    headers: BTreeMap<String, String>,
    body: String,
}

/// A receiver that answers 500 to its first `failures` requests, then 200.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(failures: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = got.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = BTreeMap::new();
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                loop {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    let l = line.trim_end();
                    if l.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = l.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                }
                let len: usize = headers
                    .get("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; len];
                reader.read_exact(&mut body).unwrap();
                n += 1;
                let status = if n <= failures {
                    "500 Internal Server Error"
                } else {
                    "200 OK"
                };
                if n > failures {
                    seen.lock().unwrap().push(Received {
                        headers,
                        body: String::from_utf8(body).unwrap(),
                    });
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Receiver { url, got }
    }

    fn kinds(&self) -> Vec<String> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.headers["x-licman-event"].clone())
            .collect()
    }

    fn wait_for(&self, kind: &str) -> Received {
        for _ in 0..200 {
            if let Some(r) = self
                .got
                .lock()
                .unwrap()
                .iter()
                .find(|r| r.headers["x-licman-event"] == kind)
            {
                return r.clone();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("no {kind} arrived; got {:?}", self.kinds());
    }
}

fn hooks_file(db: &Db, url: &str) -> String {
    let path = db.dir().join("webhooks.toml");
    std::fs::write(
        &path,
        format!(
            r#"[[webhook]]
name = "ops"
url = "{url}"
secret = "{SECRET}"
events = ["pool.expiring", "pool.high_utilization", "assignment.capacity_refused",
          "lease.culled", "audit.broken", "digest.daily"]
backoff_ms = 100
"#
        ),
    )
    .unwrap();
    path.display().to_string()
}

fn verify_signature(r: &Received) {
    let ts = &r.headers["x-licman-timestamp"];
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}.{}", r.body).as_bytes());
    let want: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(r.headers["x-licman-signature"], format!("sha256={want}"));
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["id"], r.headers["x-licman-delivery"].as_str());
    assert_eq!(body["kind"], r.headers["x-licman-event"].as_str());
}

#[test]
fn every_alert_arrives_signed_after_the_receiver_recovers() {
    let db = Db::sqlite();
    let receiver = Receiver::start(2);
    // A full pool, one expiring within its warning days, a lease whose
    // holder stopped two hours ago.
    ok(
        &db,
        &[
            "pool",
            "create",
            "--name",
            "Figma",
            "--vendor",
            "Figma",
            "--capacity",
            "2",
        ],
    );
    let soon = licman_core::Timestamp::from_unix_seconds(
        licman_seats::time::now().unix_seconds() + 10 * 86_400,
    );
    ok(
        &db,
        &[
            "pool",
            "create",
            "--name",
            "Office",
            "--vendor",
            "Microsoft",
            "--capacity",
            "5",
            "--expires",
            &soon.to_string(),
        ],
    );
    ok(
        &db,
        &[
            "pool",
            "create",
            "--name",
            "CAD",
            "--vendor",
            "Autodesk",
            "--capacity",
            "2",
            "--type",
            "concurrent",
        ],
    );
    for u in ["ada", "bob", "cy"] {
        ok(
            &db,
            &["user", "add", u, "--email", &format!("{u}@example.com")],
        );
    }
    ok(&db, &["assign", "Figma", "ada"]);
    ok(&db, &["assign", "Figma", "bob"]);
    let two_hours_ago =
        licman_core::Timestamp::from_unix_seconds(licman_seats::time::now().unix_seconds() - 7200);
    ok(
        &db,
        &[
            "--at",
            &two_hours_ago.to_string(),
            "lease",
            "checkout",
            "CAD",
            "ws-1",
        ],
    );

    let log = db.dir().join("deliveries.jsonl");
    let hooks = hooks_file(&db, &receiver.url);
    let s = Server::start(
        &db,
        &[
            "--webhooks",
            &hooks,
            "--webhook-log",
            log.to_str().unwrap(),
            "--license-check",
            "1s",
            "--verify-every",
            "1s",
        ],
    );
    let refused = s.send(
        ADMIN,
        "POST",
        "/api/v1/assignments",
        &json!({"pool": "Figma", "user": "cy"}),
    );
    assert_eq!(refused.status, 409);

    for kind in [
        "digest.daily",
        "pool.high_utilization",
        "pool.expiring",
        "lease.culled",
        "assignment.capacity_refused",
    ] {
        let r = receiver.wait_for(kind);
        verify_signature(&r);
        let body: Value = serde_json::from_str(&r.body).unwrap();
        match kind {
            "pool.high_utilization" => assert_eq!(body["data"]["pool_name"], "Figma"),
            "pool.expiring" => assert_eq!(body["data"]["pool_name"], "Office"),
            "lease.culled" => assert!(
                body["data"]["lease_id"]
                    .as_str()
                    .unwrap()
                    .starts_with("lease_")
            ),
            "assignment.capacity_refused" => {
                assert_eq!(
                    (
                        body["data"]["user"].as_str(),
                        body["data"]["capacity"].as_u64()
                    ),
                    (Some("cy"), Some(2))
                );
                assert!(
                    body["data"]["actor"]
                        .as_str()
                        .unwrap()
                        .starts_with("api:ops")
                );
            }
            "digest.daily" => {
                let soon: Vec<&str> = body["data"]["within_30_days"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["pool_name"].as_str().unwrap())
                    .collect();
                assert_eq!(soon, ["Office"]);
                assert_eq!(body["data"]["within_7_days"], json!([]));
            }
            _ => {}
        }
    }
    // Rounds go on every second: each alert about a state came once.
    std::thread::sleep(Duration::from_millis(2500));
    let kinds = receiver.kinds();
    for kind in [
        "digest.daily",
        "pool.high_utilization",
        "pool.expiring",
        "lease.culled",
    ] {
        assert_eq!(kinds.iter().filter(|k| *k == kind).count(), 1, "{kinds:?}");
    }
    // The log: the first two attempts failed and were retried.
    let deliveries = s.get(ADMIN, "/api/v1/webhooks/deliveries?limit=1000");
    let items = deliveries.body["items"].as_array().unwrap();
    let failed: Vec<&Value> = items.iter().filter(|a| a["delivered"] == false).collect();
    assert_eq!(failed.len(), 2, "{}", deliveries.text);
    assert!(
        failed
            .iter()
            .all(|a| a["status"] == 500 && a["will_retry"] == true)
    );
    for f in &failed {
        let later = items
            .iter()
            .find(|a| a["id"] == f["id"] && a["delivered"] == true);
        assert!(
            later.is_some_and(|a| a["attempt"].as_u64() > f["attempt"].as_u64()),
            "{f}"
        );
    }
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines.lines().count(), items.len());
    assert_eq!(
        s.get(common::server::STAFF, "/api/v1/webhooks/deliveries")
            .status,
        403
    );

    // A chain edited behind the running server's back: an audit.broken
    // alert at its next verification; a server started on it refuses.
    db.sql("DROP TRIGGER events_append_only_update; UPDATE events SET actor = 'mallory' WHERE seq = 1;")
        .unwrap();
    let broken = receiver.wait_for("audit.broken");
    verify_signature(&broken);
    assert!(broken.body.contains("audit_broken"), "{}", broken.body);
    drop(s);
    let (code, said) = common::server::serve_refused(&db, &[]);
    assert_eq!(code, Some(1));
    assert!(said.contains("does not verify"), "{said}");
}

#[test]
fn a_bad_webhooks_file_stops_the_server_with_a_clear_error() {
    let db = Db::sqlite();
    let dir = db.dir();
    for (text, says) in [
        (
            "[[webhook]]\nname = \"a\"\nurl = \"ftp://x\"\nsecret = \"0123456789abcdef\"\nevents = []\n",
            "http",
        ),
        (
            "[[webhook]]\nname = \"a\"\nurl = \"http://x\"\nsecret = \"short\"\nevents = []\n",
            "16 bytes",
        ),
        (
            "[[webhook]]\nname = \"a\"\nurl = \"http://x\"\nsecret = \"0123456789abcdef\"\nevents = [\"pool.eaten\"]\n",
            "unknown event",
        ),
    ] {
        let path = dir.join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let (code, err) =
            common::server::serve_refused(&db, &["--webhooks", path.to_str().unwrap()]);
        assert_eq!(code, Some(1));
        assert!(err.contains(says), "{err}");
    }
}
