//! A `COMMIT` that reaches PostgreSQL but whose answer never comes back
//! (the connection is cut between them, by a proxy on 127.0.0.1): the
//! store must neither lose the write nor make it twice. The command is
//! settled by the chain: its first event is there, with its hash.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests

mod common;

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use common::*;
use licman_core::seats::{Command, PoolId, PoolSpec};
use licman_seats::store::Store;

/// Forwards 127.0.0.1:(its port) to the server; once `armed`, the next
/// `COMMIT` a client sends is forwarded and its answer dropped, the
/// client's connection closed.
struct Proxy {
    port: u16,
    armed: Arc<AtomicBool>,
    cuts: Arc<AtomicU32>,
}

fn pump_to_server(
    mut from: TcpStream,
    mut to: TcpStream,
    armed: Arc<AtomicBool>,
    cut: Arc<AtomicBool>,
) {
    let mut buf = [0u8; 65536];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        if armed.load(Ordering::SeqCst) && chunk.windows(7).any(|w| w == b"COMMIT\0") {
            armed.store(false, Ordering::SeqCst);
            // Before the server can answer: its answer is not forwarded.
            cut.store(true, Ordering::SeqCst);
        }
        if to.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

fn pump_to_client(
    mut from: TcpStream,
    mut to: TcpStream,
    cut: Arc<AtomicBool>,
    cuts: Arc<AtomicU32>,
) {
    let mut buf = [0u8; 65536];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        if cut.load(Ordering::SeqCst) {
            cuts.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

fn proxy(server_port: u16) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let armed = Arc::new(AtomicBool::new(false));
    let cuts = Arc::new(AtomicU32::new(0));
    let (a, c) = (armed.clone(), cuts.clone());
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", server_port)) else {
                continue;
            };
            let cut = Arc::new(AtomicBool::new(false));
            let (c1, s1) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (armed, cut1, cut2, cuts) = (a.clone(), cut.clone(), cut, c.clone());
            std::thread::spawn(move || pump_to_server(c1, s1, armed, cut1));
            std::thread::spawn(move || pump_to_client(server, client, cut2, cuts));
        }
    });
    Proxy { port, armed, cuts }
}

#[test]
fn a_commit_whose_answer_is_lost_is_neither_lost_nor_made_twice() {
    let Some(db) = Db::postgres() else { return };
    // postgres://user@127.0.0.1:PORT/name → the port and the rest.
    let (head, name) = db.url.rsplit_once('/').unwrap();
    let server_port: u16 = head.rsplit_once(':').unwrap().1.parse().unwrap();
    let p = proxy(server_port);
    let via_proxy = format!("postgres://postgres@127.0.0.1:{}/{name}", p.port);

    let mut store = Store::open(&via_proxy).unwrap();
    store
        .run(
            &Command::CreatePool(PoolSpec::new(PoolId::new("pool_1").unwrap(), "Figma", 3)),
            "test",
            None,
        )
        .unwrap();
    for (i, id) in ["ada", "bob", "cy"].iter().enumerate() {
        p.armed.store(true, Ordering::SeqCst);
        let recorded = store.run(&create_user(id), "test", None);
        assert!(recorded.is_ok(), "{id}: {recorded:?}");
        assert_eq!(
            p.cuts.load(Ordering::SeqCst),
            u32::try_from(i).unwrap() + 1,
            "the answer to COMMIT was cut"
        );
    }
    // Exactly once each, on the server itself.
    let users = ok(&db, &["audit", "--action", "user.created"]);
    assert_eq!(users["total"], 3, "{users}");
    ok(&db, &["audit", "verify"]);
    assert_eq!(store.state().users().count(), 3);
    // And the store goes on writing.
    store.run(&create_user("dee"), "test", None).unwrap();
    assert_eq!(ok(&db, &["user", "list"])["total"], 4);
}
