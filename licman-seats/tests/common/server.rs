//! A real `licman-seats serve` process for a test: started on a free
//! 127.0.0.1 port over a test store, with a tokens file of one token per
//! role, stopped (SIGTERM, then waited for) when dropped; and a small HTTP
//! client over it.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::{BIN, Db};

/// A token of each role the tests use.
pub(crate) const ADMIN: &str = "admin-secret-token";
/// Manages ada and carol.
pub(crate) const MANAGER: &str = "manager-secret-token";
/// Manages bob.
pub(crate) const OTHER_MANAGER: &str = "other-manager-secret-token";
/// ada's own.
pub(crate) const STAFF: &str = "staff-secret-token";
/// Leases from the pool named `CAD` only.
pub(crate) const INSTANCE: &str = "instance-secret-token";

fn sha(token: &str) -> String {
    licman_seats::server::tokens::Tokens::hash_hex(token)
}

/// The tokens file the tests' servers read.
pub(crate) fn tokens_file(dir: &std::path::Path) -> PathBuf {
    let text = format!(
        r#"
[[token]]
name = "ops"
role = "admin"
sha256 = "{}"

[[token]]
name = "lead"
role = "manager"
sha256 = "{}"
manages = ["ada", "carol"]

[[token]]
name = "other-lead"
role = "manager"
sha256 = "{}"
manages = ["bob"]

[[token]]
name = "ada"
role = "staff"
sha256 = "{}"
user = "ada"

[[token]]
name = "cad-hosts"
role = "instance"
sha256 = "{}"
pools = ["CAD"]
"#,
        sha(ADMIN),
        sha(MANAGER),
        sha(OTHER_MANAGER),
        sha(STAFF),
        sha(INSTANCE)
    );
    let path = dir.join("tokens.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A running server.
pub(crate) struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    agent: ureq::Agent,
}

/// An answer: status and JSON body (`Null` when not JSON).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Server {
    /// Starts `serve` over `db` with the tests' tokens and `extra` options.
    pub(crate) fn start(db: &Db, extra: &[&str]) -> Server {
        let tokens = tokens_file(&db.dir());
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(&db.url)
            .args(["serve", "--listen", "127.0.0.1:0", "--tokens"])
            .arg(&tokens)
            .args(extra)
            .env("LICMAN_SEATS_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server said {line:?}"))
            .to_string();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Server {
            child: Some(child),
            base,
            agent,
        }
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    fn answer(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
        let mut response = result.unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path` with `token`.
    pub(crate) fn get(&self, token: &str, path: &str) -> Answer {
        Server::answer(
            self.agent
                .get(self.url(path))
                .header("Authorization", format!("Bearer {token}"))
                .header("User-Agent", "licman-tests/1")
                .call(),
        )
    }

    /// `method path` with `token` and a JSON body.
    pub(crate) fn send(&self, token: &str, method: &str, path: &str, body: &Value) -> Answer {
        self.try_send(token, method, path, body)
            .unwrap_or_else(|| panic!("{method} {path}: no answer"))
    }

    /// The same, or `None` when the server does not answer (it is gone).
    pub(crate) fn try_send(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: &Value,
    ) -> Option<Answer> {
        let url = self.url(path);
        let auth = format!("Bearer {token}");
        let result = match method {
            "POST" => self
                .agent
                .post(url)
                .header("Authorization", auth)
                .header("User-Agent", "licman-tests/1")
                .send_json(body),
            "PATCH" => self
                .agent
                .patch(url)
                .header("Authorization", auth)
                .header("User-Agent", "licman-tests/1")
                .send_json(body),
            "DELETE" => self
                .agent
                .delete(url)
                .header("Authorization", auth)
                .header("User-Agent", "licman-tests/1")
                .call(),
            other => panic!("no method {other}"),
        };
        result.ok().map(|r| Server::answer(Ok(r)))
    }

    /// `POST path` with `token` and a raw body of `content_type`.
    pub(crate) fn post_raw(
        &self,
        token: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> Answer {
        Server::answer(
            self.agent
                .post(self.url(path))
                .header("Authorization", format!("Bearer {token}"))
                .header("Content-Type", content_type)
                .send(body),
        )
    }

    /// A request written by hand on a socket (for what a client library
    /// would not send): the status and the body.
    pub(crate) fn raw(&self, request: &str) -> (u16, String) {
        let addr = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        let status = reply
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = reply
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// Sends SIGTERM and waits: the exit status.
    pub(crate) fn stop(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        child.wait().ok().and_then(|s| s.code())
    }

    /// Kills it with SIGKILL, as a crash would.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `serve` over `db` with the tests' tokens and `extra` options,
/// expecting it not to start: its exit status and what it said on stderr.
pub(crate) fn serve_refused(db: &Db, extra: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db.url)
        .args(["serve", "--listen", "127.0.0.1:0", "--tokens"])
        .arg(tokens_file(&db.dir()))
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
