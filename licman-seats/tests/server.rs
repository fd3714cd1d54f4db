//! `licman-seats serve`, as clients use it: real server processes on
//! 127.0.0.1 over a SQLite file and over PostgreSQL, spoken to over HTTP.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests

mod common;

use common::server::{ADMIN, INSTANCE, MANAGER, OTHER_MANAGER, STAFF, Server};
use common::{Db, Kind, ok, on_each_backend};
use serde_json::{Value, json};
use std::time::Duration;

/// A pool through the API; its id.
fn pool(s: &Server, name: &str, capacity: u32, extra: Value) -> String {
    let mut body = json!({"name": name, "vendor": "Acme", "capacity": capacity, "cost": "15.00"});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    let a = s.send(ADMIN, "POST", "/api/v1/pools", &body);
    assert_eq!(a.status, 201, "{}", a.text);
    a.body["id"].as_str().unwrap().to_string()
}

fn user(s: &Server, id: &str) {
    let a = s.send(
        ADMIN,
        "POST",
        "/api/v1/users",
        &json!({"id": id, "email": format!("{id}@example.com")}),
    );
    assert_eq!(a.status, 201, "{}", a.text);
}

fn assign(s: &Server, token: &str, pool: &str, user: &str) -> common::server::Answer {
    s.send(
        token,
        "POST",
        "/api/v1/assignments",
        &json!({"pool": pool, "user": user}),
    )
}

/// Asserts that each GET of `paths` with `token` answers `status`.
fn each_get_answers(s: &Server, token: &str, paths: &[&str], status: u16) {
    for path in paths {
        let answer = s.get(token, path);
        assert_eq!(answer.status, status, "{path}: {}", answer.text);
    }
}

#[test]
fn the_api_answers_with_the_clis_objects() {
    on_each_backend(|db| {
        let s = Server::start(db, &[]);
        let figma = pool(&s, "Figma", 3, json!({"tags": ["design"]}));
        user(&s, "ada");
        let a = assign(&s, ADMIN, "Figma", "ada");
        assert_eq!(a.status, 201, "{}", a.text);
        // The same store read by the CLI gives the same objects.
        for (api, cli) in [
            ("/api/v1/pools", vec!["pool", "list"]),
            ("/api/v1/assignments", vec!["assignments"]),
            ("/api/v1/users", vec!["user", "list"]),
        ] {
            assert_eq!(s.get(ADMIN, api).body, ok(db, &cli), "{api}");
        }
        let got = s.get(ADMIN, &format!("/api/v1/pools/{figma}"));
        assert_eq!(got.status, 200);
        assert_eq!(got.body["allocated"], 1);
        assert_eq!(got.body["assignments_by_source"]["manual"], 1);
        // By name too, as the CLI takes it.
        assert_eq!(
            s.get(ADMIN, "/api/v1/pools/Figma").body["id"],
            figma.as_str()
        );
        // Filters and paging as query parameters.
        let page = s.get(
            ADMIN,
            "/api/v1/pools?vendor=Acme&limit=1&offset=0&sort=-name",
        );
        assert_eq!(
            (page.body["total"].as_u64(), page.body["limit"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(s.get(ADMIN, "/api/v1/pools?vendor=Nobody").body["total"], 0);
        // The trail verifies, and the API's changes are in it.
        let verified = s.get(ADMIN, "/api/v1/audit/verify");
        assert_eq!(verified.body["ok"], true, "{}", verified.text);
        assert_eq!(
            ok(db, &["audit", "verify"])["events"],
            verified.body["events"]
        );
    });
}

#[test]
fn every_change_records_the_token_client_address_and_user_agent() {
    let db = Db::sqlite();
    let s = Server::start(&db, &[]);
    pool(&s, "Figma", 3, json!({}));
    let trail = s.get(ADMIN, "/api/v1/audit?action=pool.created");
    let actor = trail.body["items"][0]["actor"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(actor, r#"api:ops ip=127.0.0.1 ua="licman-tests/1""#);
    // A user agent cannot forge a field of the actor or break a line.
    let body = r#"{"id":"eve","email":"e@example.com"}"#;
    let request = format!(
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\n\
         User-Agent: evil\" ip=10.0.0.1\tx\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, body) = s.raw(&request);
    assert_eq!(status, 201, "{body}");
    let trail = s.get(ADMIN, "/api/v1/audit?action=user.created");
    let actor = trail.body["items"][0]["actor"].as_str().unwrap();
    assert_eq!(actor, r#"api:ops ip=127.0.0.1 ua="evil\" ip=10.0.0.1x""#);
}

#[test]
fn refusals_carry_their_http_status_and_the_error_body() {
    on_each_backend(|db| {
        let s = Server::start(db, &[]);
        let full = pool(&s, "Full", 1, json!({}));
        let other = pool(&s, "Other", 5, json!({}));
        for u in ["ada", "bob"] {
            user(&s, u);
        }
        // 401: no token, a wrong one, another scheme, the token in the query.
        assert_eq!(s.get("", "/api/v1/pools").status, 401);
        assert_eq!(s.get("wrong", "/api/v1/pools").status, 401);
        let (status, _) = s.raw(&format!(
            "GET /api/v1/pools?token={ADMIN} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(status, 401);
        let (status, body) = s.raw(&format!(
            "GET /api/v1/pools HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {ADMIN}\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("\"unauthorized\""), "{body}");
        // 400: not JSON, wrong types, unknown fields; 415 another type.
        let bad = s.post_raw(ADMIN, "/api/v1/pools", "application/json", "{\"name\":");
        assert_eq!(
            (bad.status, bad.body["error"]["code"].as_str()),
            (400, Some("bad_request"))
        );
        let typed = s.send(
            ADMIN,
            "POST",
            "/api/v1/pools",
            &json!({"name": "X", "vendor": "V", "capacity": "ten"}),
        );
        assert_eq!(typed.status, 400, "{}", typed.text);
        let unknown = s.send(
            ADMIN,
            "POST",
            "/api/v1/pools",
            &json!({"name": "X", "vendor": "V", "capacity": 2, "seats": 3}),
        );
        assert_eq!(unknown.status, 400, "{}", unknown.text);
        assert!(unknown.text.contains("seats"), "{}", unknown.text);
        let form = s.post_raw(
            ADMIN,
            "/api/v1/pools",
            "application/x-www-form-urlencoded",
            "name=X",
        );
        assert_eq!(form.status, 415);
        assert_eq!(s.get(ADMIN, "/api/v1/pools?limit=many").status, 400);
        // 422: well-formed values that fail validation.
        for body in [
            json!({"name": "X", "vendor": "V", "capacity": 0}),
            json!({"name": "X", "vendor": "V", "capacity": 2, "currency": "XYZ"}),
            json!({"name": "X", "vendor": "V", "capacity": 2, "cost": "1.005"}),
        ] {
            let a = s.send(ADMIN, "POST", "/api/v1/pools", &body);
            assert_eq!(a.status, 422, "{body}: {}", a.text);
        }
        assert_eq!(s.get(ADMIN, "/api/v1/pools?limit=1001").status, 422);
        // 404: an unknown id, an unknown route.
        let missing = s.get(ADMIN, "/api/v1/pools/nope");
        assert_eq!(
            (missing.status, missing.body["error"]["code"].as_str()),
            (404, Some("unknown_pool"))
        );
        assert_eq!(
            s.send(
                ADMIN,
                "POST",
                "/api/v1/assignments/asg_x/deallocate",
                &json!({})
            )
            .status,
            404
        );
        assert_eq!(s.get(ADMIN, "/api/v1/nothing").status, 404);
        let wrong_method = s.send(ADMIN, "DELETE", "/api/v1/audit", &json!(null));
        assert_eq!(
            (
                wrong_method.status,
                wrong_method.body["error"]["code"].as_str()
            ),
            (405, Some("method_not_allowed"))
        );
        assert_eq!(s.get(ADMIN, "/api/v1/pools/..%2f..%2fetc").status, 404);
        // 409: conflicts with the state, with their fields.
        assert_eq!(assign(&s, ADMIN, &full, "ada").status, 201);
        let again = assign(&s, ADMIN, &full, "ada");
        assert_eq!(
            (again.status, again.body["error"]["code"].as_str()),
            (409, Some("already_assigned"))
        );
        let no_room = assign(&s, ADMIN, &full, "bob");
        assert_eq!(no_room.status, 409);
        assert_eq!(no_room.body["error"]["code"], "capacity_exceeded");
        assert_eq!(
            (
                no_room.body["error"]["capacity"].as_u64(),
                no_room.body["error"]["allocated"].as_u64()
            ),
            (Some(1), Some(1))
        );
        let rule = s.send(
            ADMIN,
            "POST",
            "/api/v1/incompatibilities",
            &json!({"pool_a": full, "pool_b": other, "reason": "one tier"}),
        );
        assert_eq!(rule.status, 201, "{}", rule.text);
        let clash = assign(&s, ADMIN, &other, "ada");
        assert_eq!(
            (clash.status, clash.body["error"]["code"].as_str()),
            (409, Some("incompatible"))
        );
        assert_eq!(clash.body["error"]["pool_id"], full.as_str());
        let delete = s.send(
            ADMIN,
            "DELETE",
            &format!("/api/v1/pools/{full}"),
            &json!({}),
        );
        assert_eq!(
            (delete.status, delete.body["error"]["code"].as_str()),
            (409, Some("pool_has_assignments"))
        );
        let archived = s.send(
            ADMIN,
            "POST",
            &format!("/api/v1/pools/{other}/archive"),
            &json!({}),
        );
        assert_eq!(archived.status, 200);
        let closed = assign(&s, ADMIN, &other, "bob");
        assert_eq!(
            (closed.status, closed.body["error"]["code"].as_str()),
            (409, Some("pool_archived"))
        );
        let old = pool(&s, "Old", 5, json!({"expires_at": "2020-01-01"}));
        let expired = assign(&s, ADMIN, &old, "bob");
        assert_eq!(
            (expired.status, expired.body["error"]["code"].as_str()),
            (409, Some("pool_expired"))
        );
        // None of the refusals wrote anything.
        let trail = s.get(ADMIN, "/api/v1/audit?limit=0").body["total"]
            .as_u64()
            .unwrap();
        assert_eq!(
            trail,
            ok(db, &["audit", "--limit", "0"])["total"]
                .as_u64()
                .unwrap()
        );
    });
}

/// What each role gets from each kind of endpoint: the table the issue
/// asks for, as (token, method, path, body) → status.
#[test]
fn each_role_reaches_exactly_what_it_may() {
    on_each_backend(|db| {
        let s = Server::start(db, &[]);
        let figma = pool(&s, "Figma", 10, json!({}));
        let cad = pool(&s, "CAD", 2, json!({"license_type": "concurrent"}));
        let cam = pool(&s, "CAM", 2, json!({"license_type": "concurrent"}));
        for u in ["ada", "bob", "carol"] {
            user(&s, u);
        }
        let bobs = assign(&s, ADMIN, &figma, "bob").body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let carols = assign(&s, ADMIN, &figma, "carol").body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let lease = s.send(
            ADMIN,
            "POST",
            "/api/v1/leases",
            &json!({"pool": cam, "holder": "ws-9"}),
        );
        let cam_lease = lease.body["id"].as_str().unwrap().to_string();

        let new_pool = json!({"name": "N", "vendor": "V", "capacity": 1});
        let table: Vec<(&str, &str, String, Value, u16)> = vec![
            // Pools: admins change them, managers read them.
            (ADMIN, "POST", "/api/v1/pools".into(), new_pool.clone(), 201),
            (
                MANAGER,
                "POST",
                "/api/v1/pools".into(),
                new_pool.clone(),
                403,
            ),
            (MANAGER, "GET", "/api/v1/pools".into(), json!(null), 200),
            (
                MANAGER,
                "GET",
                format!("/api/v1/pools/{figma}"),
                json!(null),
                200,
            ),
            (
                MANAGER,
                "PATCH",
                format!("/api/v1/pools/{figma}"),
                json!({"capacity": 50}),
                403,
            ),
            (
                MANAGER,
                "PATCH",
                format!("/api/v1/pools/{figma}"),
                json!({"cost": "1.00"}),
                403,
            ),
            (
                MANAGER,
                "DELETE",
                format!("/api/v1/pools/{cad}"),
                json!(null),
                403,
            ),
            (
                MANAGER,
                "POST",
                format!("/api/v1/pools/{cad}/archive"),
                json!(null),
                403,
            ),
            (STAFF, "GET", "/api/v1/pools".into(), json!(null), 403),
            (INSTANCE, "GET", "/api/v1/pools".into(), json!(null), 403),
            (
                ADMIN,
                "PATCH",
                format!("/api/v1/pools/{figma}"),
                json!({"capacity": 12}),
                200,
            ),
            // Assignments: a manager for its own users only.
            (
                MANAGER,
                "POST",
                "/api/v1/assignments".into(),
                json!({"pool": figma, "user": "ada"}),
                201,
            ),
            (
                MANAGER,
                "POST",
                "/api/v1/assignments".into(),
                json!({"pool": figma, "user": "bob"}),
                403,
            ),
            (
                OTHER_MANAGER,
                "POST",
                format!("/api/v1/assignments/{carols}/deallocate"),
                json!(null),
                403,
            ),
            (
                OTHER_MANAGER,
                "POST",
                format!("/api/v1/assignments/{carols}/reclaim"),
                json!({"reason": "x"}),
                403,
            ),
            (
                MANAGER,
                "POST",
                format!("/api/v1/assignments/{bobs}/reclaim"),
                json!({"reason": "x"}),
                403,
            ),
            (
                MANAGER,
                "POST",
                "/api/v1/assignments/bulk".into(),
                json!({"pool": figma, "users": ["carol", "bob"]}),
                403,
            ),
            (
                MANAGER,
                "POST",
                "/api/v1/assignments/bulk-reclaim".into(),
                json!({"pool": figma, "assignments": [bobs], "reason": "x"}),
                403,
            ),
            (
                MANAGER,
                "POST",
                format!("/api/v1/assignments/{carols}/deallocate"),
                json!(null),
                200,
            ),
            (
                OTHER_MANAGER,
                "POST",
                format!("/api/v1/assignments/{bobs}/reclaim"),
                json!({"reason": "left"}),
                200,
            ),
            (
                STAFF,
                "POST",
                "/api/v1/assignments".into(),
                json!({"pool": figma, "user": "ada"}),
                403,
            ),
            (
                INSTANCE,
                "POST",
                "/api/v1/assignments".into(),
                json!({"pool": figma, "user": "ada"}),
                403,
            ),
            (
                STAFF,
                "GET",
                "/api/v1/assignments?user=bob".into(),
                json!(null),
                403,
            ),
            // Users, rules, reports, the trail: admins only.
            (
                MANAGER,
                "POST",
                "/api/v1/users".into(),
                json!({"id": "dan", "email": "d@example.com"}),
                403,
            ),
            (
                MANAGER,
                "PATCH",
                "/api/v1/users/ada".into(),
                json!({"active": false}),
                403,
            ),
            (STAFF, "GET", "/api/v1/audit".into(), json!(null), 403),
            (MANAGER, "GET", "/api/v1/audit".into(), json!(null), 403),
            (MANAGER, "GET", "/api/v1/analytics".into(), json!(null), 403),
            (
                MANAGER,
                "GET",
                "/api/v1/compliance".into(),
                json!(null),
                403,
            ),
            (MANAGER, "GET", "/api/v1/export".into(), json!(null), 403),
            (
                MANAGER,
                "POST",
                "/api/v1/incompatibilities".into(),
                json!({"pool_a": figma, "pool_b": cad, "reason": "x"}),
                403,
            ),
            (
                MANAGER,
                "POST",
                "/api/v1/rules".into(),
                json!({"pool": figma, "trigger": "inactivity", "threshold_days": 30}),
                403,
            ),
            (
                MANAGER,
                "POST",
                "/api/v1/links".into(),
                json!({"pool": figma, "entitlement": "design"}),
                403,
            ),
            (
                MANAGER,
                "POST",
                "/api/v1/reclamation/apply".into(),
                json!(null),
                403,
            ),
            (
                INSTANCE,
                "GET",
                "/api/v1/analytics".into(),
                json!(null),
                403,
            ),
            (ADMIN, "GET", "/api/v1/analytics".into(), json!(null), 200),
            (ADMIN, "GET", "/api/v1/compliance".into(), json!(null), 200),
            (ADMIN, "GET", "/api/v1/export".into(), json!(null), 200),
            // Leases: an instance on its own pools.
            (
                INSTANCE,
                "POST",
                "/api/v1/leases".into(),
                json!({"pool": "CAD", "holder": "ws-1"}),
                200,
            ),
            (
                INSTANCE,
                "POST",
                "/api/v1/leases".into(),
                json!({"pool": cam, "holder": "ws-1"}),
                403,
            ),
            (
                INSTANCE,
                "POST",
                format!("/api/v1/leases/{cam_lease}/heartbeat"),
                json!(null),
                403,
            ),
            (
                INSTANCE,
                "POST",
                format!("/api/v1/leases/{cam_lease}/release"),
                json!(null),
                403,
            ),
            (
                MANAGER,
                "POST",
                "/api/v1/leases".into(),
                json!({"pool": cad, "holder": "ws-1"}),
                403,
            ),
            (
                STAFF,
                "POST",
                "/api/v1/leases".into(),
                json!({"pool": cad, "holder": "ws-1"}),
                403,
            ),
            (STAFF, "GET", "/api/v1/leases".into(), json!(null), 403),
            // Anyone may ask who they are.
            (STAFF, "GET", "/api/v1/me".into(), json!(null), 200),
            (INSTANCE, "GET", "/api/v1/me".into(), json!(null), 200),
        ];
        let before = ok(db, &["audit", "--limit", "0"])["total"]
            .as_u64()
            .unwrap();
        let mut writes = 0;
        for (token, method, path, body, want) in &table {
            let got = if *method == "GET" {
                s.get(token, path)
            } else {
                s.send(token, method, path, body)
            };
            assert_eq!(
                got.status, *want,
                "{:?} {method} {path} {body}: {}",
                db.kind, got.text
            );
            if got.status == 403 {
                assert_eq!(got.body["error"]["code"], "forbidden", "{}", got.text);
            }
            if *method != "GET" && (200..300).contains(&got.status) {
                writes += 1;
            }
        }
        // Only what was allowed changed the store (each allowed write is
        // at least one event; refusals none).
        let after = ok(db, &["audit", "--limit", "0"])["total"]
            .as_u64()
            .unwrap();
        assert!(
            after >= before + writes && after <= before + 2 * writes,
            "{before} {after} {writes}"
        );

        // A staff token sees its own assignments and nobody else's data.
        let own = s.get(STAFF, "/api/v1/assignments");
        let users: Vec<&str> = own.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["user_id"].as_str().unwrap())
            .collect();
        assert!(
            !users.is_empty() && users.iter().all(|u| *u == "ada"),
            "{}",
            own.text
        );
        let seen = s.get(STAFF, "/api/v1/users");
        assert_eq!(seen.body["total"], 1, "{}", seen.text);
        assert_eq!(seen.body["items"][0]["id"], "ada");
        // A manager lists only its users' assignments and users.
        let listed = s.get(MANAGER, "/api/v1/assignments?limit=1");
        assert_eq!(listed.body["total"], 2, "{}", listed.text); // ada's and carol's
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
        let other = s.get(OTHER_MANAGER, "/api/v1/assignments");
        assert!(
            other.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["user_id"] == "bob")
        );
        assert_eq!(s.get(MANAGER, "/api/v1/users").body["total"], 2);
        // A manager may not ask for another manager's user's seats; it sees
        // no trail or license in a pool; an instance lives by the pool's TTL.
        assert_eq!(s.get(MANAGER, "/api/v1/assignments?user=bob").status, 403);
        let seen = s.get(MANAGER, &format!("/api/v1/pools/{figma}"));
        assert!(
            seen.body.get("recent_events").is_none() && seen.body.get("license").is_none(),
            "{}",
            seen.text
        );
        assert!(s.get(ADMIN, &format!("/api/v1/pools/{figma}")).body["recent_events"].is_array());
        let long = s.send(
            INSTANCE,
            "POST",
            "/api/v1/leases",
            &json!({"pool": "CAD", "holder": "ws-7", "ttl_seconds": 86_400}),
        );
        assert_eq!(long.status, 422, "{}", long.text);
        // An instance cannot touch a lease it cannot see (fail closed: 404).
        assert_eq!(
            s.send(
                INSTANCE,
                "POST",
                "/api/v1/leases/lease_unknown/release",
                &json!(null)
            )
            .status,
            404
        );
        // An instance lists only its pools' leases.
        let leases = s.get(INSTANCE, "/api/v1/leases");
        assert!(
            leases.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["pool_name"] == "CAD"),
            "{}",
            leases.text
        );
        assert_eq!(leases.body["total"], 1);
    });
}

#[test]
fn a_role_that_may_not_hears_403_whatever_it_sent_and_csv_must_be_csv() {
    on_each_backend(|db| {
        let s = Server::start(db, &[]);
        let figma = pool(&s, "Figma", 10, json!({}));
        // Each route refuses a token of the wrong role with 403 before it
        // reads a malformed body, a body of another type or bad parameters:
        // the refusal says nothing about how the request would be read.
        let bodies: &[(&str, &str, &str, &str)] = &[
            (STAFF, "/api/v1/pools", "application/json", "{not json"),
            (MANAGER, "/api/v1/pools", "text/plain", "name=x"),
            (STAFF, "/api/v1/assignments", "application/json", "[1, 2"),
            (INSTANCE, "/api/v1/users", "application/json", "{\"id\": 7}"),
            (MANAGER, "/api/v1/users/import", "application/json", "{}"),
            (STAFF, "/api/v1/incompatibilities", "application/json", "{"),
            (
                MANAGER,
                "/api/v1/rules",
                "application/json",
                "{\"trigger\": 1}",
            ),
            (
                INSTANCE,
                "/api/v1/entitlements/grant",
                "application/json",
                "x",
            ),
            (STAFF, "/api/v1/leases", "application/json", "{"),
        ];
        for &(token, path, content_type, body) in bodies {
            let answer = s.post_raw(token, path, content_type, body);
            assert_eq!(answer.status, 403, "{path}: {}", answer.text);
            assert_eq!(answer.body["error"]["code"], "forbidden", "{path}");
        }
        // A path id that is not UTF-8 is read after the role check too.
        for path in [
            "/api/v1/pools/%FF/archive",
            "/api/v1/assignments/%FF/reclaim",
        ] {
            let answer = s.post_raw(STAFF, path, "application/json", "{}");
            assert_eq!(answer.status, 403, "{path}: {}", answer.text);
        }
        assert_eq!(
            s.post_raw(ADMIN, "/api/v1/pools/%FF/archive", "application/json", "{}")
                .status,
            400
        );
        let bad_queries = [
            "/api/v1/audit?limit=many",
            "/api/v1/analytics?window=-1",
            "/api/v1/compliance?from=yesterday&limit=5000",
            "/api/v1/rules?enabled=maybe",
            "/api/v1/leases?limit=x",
            "/api/v1/webhooks/deliveries?offset=-3",
        ];
        each_get_answers(&s, STAFF, &bad_queries, 403);
        // The same requests from an admin are read and refused for what
        // they are.
        let bad = s.post_raw(ADMIN, "/api/v1/pools", "application/json", "{not json");
        assert_eq!(bad.status, 400, "{}", bad.text);
        let typed = s.post_raw(ADMIN, "/api/v1/pools", "text/plain", "name=x");
        assert_eq!(typed.status, 415, "{}", typed.text);
        assert_eq!(s.get(ADMIN, "/api/v1/audit?limit=many").status, 400);
        // A CSV import takes CSV (text/csv, another text type, or no type
        // at all), not JSON.
        let json = s.post_raw(
            ADMIN,
            "/api/v1/users/import",
            "application/json",
            "id,email,active,state,last_active\nzed,zed@example.com,true,active,2026-11-20\n",
        );
        assert_eq!(json.status, 415, "{}", json.text);
        assert_eq!(json.body["error"]["code"], "unsupported_media_type");
        for content_type in ["text/", ""] {
            let odd = s.post_raw(
                ADMIN,
                "/api/v1/users/import",
                content_type,
                "id,email,active,state,last_active\n",
            );
            assert_eq!(odd.status, 415, "{content_type:?}: {}", odd.text);
        }
        for content_type in ["text/csv; charset=utf-8", "text/plain", "application/csv"] {
            let done = s.post_raw(
                ADMIN,
                "/api/v1/users/import",
                content_type,
                "id,email,active,state,last_active\nzed,zed@example.com,true,active,2026-11-20\n",
            );
            assert_eq!(done.status, 200, "{content_type}: {}", done.text);
        }
        assert_eq!(assign(&s, ADMIN, &figma, "zed").status, 201);
    });
}

#[test]
fn a_query_parameter_the_route_does_not_take_is_refused_not_ignored() {
    on_each_backend(|db| {
        let s = Server::start(db, &[]);
        let figma = pool(&s, "Figma", 10, json!({}));
        user(&s, "ada");
        assert_eq!(assign(&s, ADMIN, &figma, "ada").status, 201);
        // A misspelt filter would otherwise answer with the whole list.
        let typo = s.get(ADMIN, &format!("/api/v1/assignments?pool_id={figma}"));
        assert_eq!(typo.status, 400, "{}", typo.text);
        assert_eq!(typo.body["error"]["code"], "bad_request");
        let message = typo.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("\"pool_id\"") && message.contains("pool, user"),
            "{message}"
        );
        let unknown = [
            "/api/v1/pools?vendr=Figma",
            "/api/v1/users?limit=5&x=1",
            "/api/v1/analytics?window=30&limit=5",
            "/api/v1/compliance?pools=a",
            "/api/v1/audit?seq=3",
            "/api/v1/leases?pool_name=CAD",
            "/api/v1/rules?enabled=true&kind=x",
            "/api/v1/links?entitlement_name=x",
            "/api/v1/incompatibilities?pool_a=x",
            "/api/v1/webhooks/deliveries?status=ok",
        ];
        each_get_answers(&s, ADMIN, &unknown, 400);
        // Every documented parameter is still taken.
        for path in [
            format!(
                "/api/v1/assignments?pool={figma}&user=ada&status=active&source=manual&sort=user_id&limit=5&offset=0"
            ),
            "/api/v1/pools?vendor=V&type=named&status=active&tag=x&search=Fig&limit=5".into(),
            "/api/v1/analytics?window=30".into(),
            format!("/api/v1/compliance?pool={figma}&vendor=V&from=2026-01-01&to=2030-01-01"),
            "/api/v1/audit?pool=Figma&user=ada&action=assignment.created&limit=5".into(),
        ] {
            let answer = s.get(ADMIN, &path);
            assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        }
        // A route that takes no query parameter refuses any, and does nothing.
        user(&s, "bob");
        let dry = s.send(
            ADMIN,
            "POST",
            "/api/v1/assignments?dry_run=true",
            &json!({"pool": figma, "user": "bob"}),
        );
        assert_eq!(dry.status, 400, "{}", dry.text);
        assert!(dry.text.contains("dry_run=true"), "{}", dry.text);
        for path in [
            format!("/api/v1/pools/{figma}?bogus=1"),
            "/api/v1/export?x=1".into(),
            "/api/v1/me?x=1".into(),
            "/api/v1/reclamation/plan?at=2030-01-01".into(),
        ] {
            assert_eq!(s.get(ADMIN, &path).status, 400, "{path}");
        }
        // A HEAD request takes the GET's query.
        let (status, _) = s.raw(&format!(
            "HEAD /api/v1/assignments?pool={figma} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(status, 200);
        // Still 403 first for a role that may not.
        assert_eq!(
            s.get(STAFF, &format!("/api/v1/pools/{figma}?bogus=1"))
                .status,
            403
        );
        let listed = s.get(ADMIN, &format!("/api/v1/assignments?pool={figma}"));
        assert_eq!(listed.body["total"], 1, "the dry run assigned nothing");
    });
}

#[test]
fn an_instance_checks_out_heartbeats_and_releases_a_floating_seat() {
    on_each_backend(|db| {
        let s = Server::start(db, &[]);
        pool(
            &s,
            "CAD",
            1,
            json!({"license_type": "concurrent", "ttl_seconds": 120}),
        );
        let out = s.send(
            INSTANCE,
            "POST",
            "/api/v1/leases",
            &json!({"pool": "CAD", "holder": "ws-1"}),
        );
        assert_eq!(
            (out.status, out.body["status"].as_str()),
            (200, Some("active")),
            "{}",
            out.text
        );
        let id = out.body["id"].as_str().unwrap().to_string();
        // The same holder gets its lease back; another finds the pool full.
        let again = s.send(
            INSTANCE,
            "POST",
            "/api/v1/leases",
            &json!({"pool": "CAD", "holder": "ws-1"}),
        );
        assert_eq!(again.body["id"], id.as_str());
        let full = s.send(
            INSTANCE,
            "POST",
            "/api/v1/leases",
            &json!({"pool": "CAD", "holder": "ws-2"}),
        );
        assert_eq!(
            (full.status, full.body["error"]["code"].as_str()),
            (409, Some("capacity_exceeded")),
            "{}",
            full.text
        );
        let beat = s.send(
            INSTANCE,
            "POST",
            &format!("/api/v1/leases/{id}/heartbeat"),
            &json!(null),
        );
        assert_eq!(beat.status, 200, "{}", beat.text);
        let gone = s.send(
            INSTANCE,
            "POST",
            &format!("/api/v1/leases/{id}/release"),
            &json!(null),
        );
        assert_eq!(
            (gone.status, gone.body["status"].as_str()),
            (200, Some("released"))
        );
        let next = s.send(
            INSTANCE,
            "POST",
            "/api/v1/leases",
            &json!({"pool": "CAD", "holder": "ws-2"}),
        );
        assert_eq!(next.status, 200, "{}", next.text);
        assert_eq!(
            s.send(
                INSTANCE,
                "POST",
                "/api/v1/leases/lease_none/heartbeat",
                &json!(null)
            )
            .status,
            404
        );
    });
}

#[test]
fn bulk_operations_and_csv_import_answer_per_item() {
    on_each_backend(|db| {
        let s = Server::start(db, &[]);
        let figma = pool(&s, "Figma", 2, json!({}));
        let csv = "id,email,active,state\nada,ada@example.com,true,active\nbob,bob@example.com,true,active\ncal,cal@example.com,false,terminated\n";
        let imported = s.post_raw(ADMIN, "/api/v1/users/import", "text/csv", csv);
        assert_eq!(
            (imported.status, imported.body["created"].as_u64()),
            (200, Some(3)),
            "{}",
            imported.text
        );
        let bad = s.post_raw(
            ADMIN,
            "/api/v1/users/import",
            "text/csv",
            "id,email\n,x@example.com\n",
        );
        assert_eq!(bad.status, 422, "{}", bad.text);
        assert!(bad.text.contains("line 2"), "{}", bad.text);
        let bulk = s.send(
            ADMIN,
            "POST",
            "/api/v1/assignments/bulk",
            &json!({"pool": figma, "users": ["ada", "nobody", "cal", "bob", "ada"]}),
        );
        assert_eq!(bulk.status, 200, "{}", bulk.text);
        assert_eq!(
            (
                bulk.body["succeeded"].as_u64(),
                bulk.body["failed"].as_u64()
            ),
            (Some(2), Some(3))
        );
        let codes: Vec<Value> = bulk.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["error"]["code"].clone())
            .collect();
        assert_eq!(
            codes,
            [
                json!(null),
                json!("unknown_user"),
                json!("inactive_user"),
                json!(null),
                json!("duplicate_in_request")
            ]
        );
        let too_many: Vec<String> = (0..1001).map(|i| format!("u{i}")).collect();
        let refused = s.send(
            ADMIN,
            "POST",
            "/api/v1/assignments/bulk",
            &json!({"pool": figma, "users": too_many}),
        );
        assert_eq!(
            (refused.status, refused.body["error"]["code"].as_str()),
            (422, Some("bulk_too_large"))
        );
        let blank = s.send(
            ADMIN,
            "POST",
            "/api/v1/assignments/bulk",
            &json!({"pool": figma, "users": ["ada\nbob"]}),
        );
        assert_eq!(blank.status, 422, "{}", blank.text);
        let ids: Vec<String> = bulk.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["assignment_id"].as_str().map(str::to_string))
            .collect();
        let back = s.send(
            ADMIN,
            "POST",
            "/api/v1/assignments/bulk-reclaim",
            &json!({"pool": figma, "assignments": ids, "reason": "audit"}),
        );
        assert_eq!(
            (back.status, back.body["succeeded"].as_u64()),
            (200, Some(2)),
            "{}",
            back.text
        );
        assert_eq!(
            s.get(ADMIN, &format!("/api/v1/pools/{figma}")).body["allocated"],
            0
        );
    });
}

#[test]
fn rules_links_plans_and_reports_work_over_the_api() {
    let db = Db::sqlite();
    let s = Server::start(&db, &[]);
    let figma = pool(&s, "Figma", 2, json!({}));
    let sketch = pool(&s, "Sketch", 2, json!({}));
    for u in ["ada", "bob"] {
        user(&s, u);
    }
    let rule = s.send(
        ADMIN,
        "POST",
        "/api/v1/rules",
        &json!({"pool": figma, "trigger": "lifecycle", "state": "terminated", "notify_days": 0}),
    );
    assert_eq!(rule.status, 201, "{}", rule.text);
    let both = s.send(
        ADMIN,
        "POST",
        "/api/v1/rules",
        &json!({"pool": figma, "trigger": "inactivity", "threshold_days": 3, "state": "x"}),
    );
    assert_eq!(both.status, 422);
    let rid = rule.body["id"].as_str().unwrap();
    let patched = s.send(
        ADMIN,
        "PATCH",
        &format!("/api/v1/rules/{rid}"),
        &json!({"enabled": false}),
    );
    assert_eq!(
        (patched.status, patched.body["enabled"].as_bool()),
        (200, Some(false))
    );
    assert_eq!(s.get(ADMIN, "/api/v1/rules?enabled=false").body["total"], 1);
    assert_eq!(s.get(ADMIN, "/api/v1/rules?enabled=maybe").status, 400);
    s.send(
        ADMIN,
        "PATCH",
        &format!("/api/v1/rules/{rid}"),
        &json!({"enabled": true}),
    );
    assert_eq!(assign(&s, ADMIN, &figma, "bob").status, 201);
    s.send(
        ADMIN,
        "PATCH",
        "/api/v1/users/bob",
        &json!({"state": "terminated"}),
    );
    let plan = s.get(ADMIN, "/api/v1/reclamation/plan");
    assert_eq!(
        plan.body["reclaims"].as_array().map(Vec::len),
        Some(1),
        "{}",
        plan.text
    );
    assert_eq!(plan.body["applied"], false);
    let applied = s.send(ADMIN, "POST", "/api/v1/reclamation/apply", &json!(null));
    assert_eq!(applied.body["applied"], true, "{}", applied.text);
    assert_eq!(
        s.get(ADMIN, &format!("/api/v1/pools/{figma}")).body["allocated"],
        0
    );
    // Links and grants.
    for (p, prio) in [(&figma, 10), (&sketch, 5)] {
        let l = s.send(
            ADMIN,
            "POST",
            "/api/v1/links",
            &json!({"pool": p, "entitlement": "design", "priority": prio}),
        );
        assert_eq!(l.status, 201, "{}", l.text);
    }
    let granted = s.send(
        ADMIN,
        "POST",
        "/api/v1/entitlements/grant",
        &json!({"user": "ada", "entitlement": "design"}),
    );
    assert_eq!(
        (granted.status, granted.body["pool_id"].as_str()),
        (201, Some(figma.as_str())),
        "{}",
        granted.text
    );
    let withdrawn = s.send(
        ADMIN,
        "POST",
        "/api/v1/entitlements/withdraw",
        &json!({"user": "ada", "entitlement": "design"}),
    );
    assert_eq!(
        (withdrawn.status, withdrawn.body["status"].as_str()),
        (200, Some("released")),
        "{}",
        withdrawn.text
    );
    // Reports.
    let analytics = s.get(ADMIN, "/api/v1/analytics?window=30");
    assert_eq!(
        analytics.body["summary"]["total_pools"], 2,
        "{}",
        analytics.text
    );
    assert_eq!(analytics.body["window_days"], 30);
    let report = s.get(ADMIN, &format!("/api/v1/compliance?pool={figma},{sketch}"));
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(s.get(ADMIN, "/api/v1/compliance?pool=nope").status, 404);
    let export = s.get(ADMIN, "/api/v1/export");
    assert_eq!(export.body["format"], "licman-seats-export");
    assert!(export.body.get("secrets").is_none());
    // Deleting lifts rules and links.
    let inc = s.send(
        ADMIN,
        "POST",
        "/api/v1/incompatibilities",
        &json!({"pool_a": figma, "pool_b": sketch, "reason": "one"}),
    );
    let iid = inc.body["id"].as_str().unwrap();
    assert_eq!(
        s.send(
            ADMIN,
            "DELETE",
            &format!("/api/v1/incompatibilities/{iid}"),
            &json!(null)
        )
        .body["deleted"],
        true
    );
    assert_eq!(
        s.send(
            ADMIN,
            "DELETE",
            &format!("/api/v1/incompatibilities/{iid}"),
            &json!(null)
        )
        .status,
        404
    );
}

#[test]
fn the_openapi_document_lists_every_route_and_the_limits_hold() {
    let db = Db::sqlite();
    let s = Server::start(&db, &["--max-body", "2048"]);
    let doc = s.get("", "/api/v1/openapi.json");
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let paths = doc.body["paths"].as_object().unwrap();
    for p in [
        "/api/v1/pools",
        "/api/v1/assignments/bulk",
        "/api/v1/leases/{id}/heartbeat",
        "/api/v1/audit/verify",
        "/readyz",
    ] {
        assert!(paths.contains_key(p), "{p}");
    }
    assert_eq!(s.get("", "/healthz").body["status"], "ok");
    assert_eq!(s.get("", "/readyz").body["status"], "ready");
    let big = "x".repeat(4096);
    let too_big = s.post_raw(ADMIN, "/api/v1/users/import", "text/csv", &big);
    assert_eq!(
        (too_big.status, too_big.body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    // Every GET route without a path id takes exactly the query the
    // document gives it: `limit` where it documents paging, a 400 where it
    // does not (the server's list of paged queries is kept by hand).
    let mut checked = 0;
    for (path, item) in paths {
        let Some(get) = item.get("get") else { continue };
        if !path.starts_with("/api/v1/") || path.contains('{') || path.ends_with("openapi.json") {
            continue;
        }
        let names: Vec<&str> = get["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        let paged = names.contains(&"limit");
        let answer = s.get(ADMIN, &format!("{path}?limit=1"));
        let expected = if paged { 200 } else { 400 };
        assert_eq!(
            answer.status, expected,
            "{path} (query {names:?}): {}",
            answer.text
        );
        checked += 1;
    }
    assert!(checked >= 12, "{checked} routes");
    // The dashboard is served by the binary itself.
    let page = s.get("", "/");
    assert_eq!(page.status, 200);
    assert!(page.text.contains("licman"), "{}", page.text);
}

#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let db = match Db::postgres() {
        Some(db) => db,
        None => Db::sqlite(),
    };
    let mut s = Server::start(&db, &[]);
    let figma = pool(&s, "Figma", 1000, json!({}));
    let csv: String = std::iter::once("id,email".to_string())
        .chain((0..1000).map(|i| format!("u{i},u{i}@example.com")))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        s.post_raw(ADMIN, "/api/v1/users/import", "text/csv", &csv)
            .status,
        200
    );
    let users: Vec<String> = (0..1000).map(|i| format!("u{i}")).collect();
    let base = s.base.clone();
    let body = json!({"pool": figma, "users": users}).to_string();
    let request = std::thread::spawn(move || {
        let addr = base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let req = format!(
            "POST /api/v1/assignments/bulk HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        std::io::Write::write_all(&mut stream, req.as_bytes()).unwrap();
        let mut reply = String::new();
        std::io::Read::read_to_string(&mut stream, &mut reply).unwrap();
        reply
    });
    std::thread::sleep(std::time::Duration::from_millis(30));
    let code = s.stop();
    let reply = request.join().unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:.300}");
    assert!(reply.contains("\"succeeded\":1000"), "{reply:.300}");
    assert_eq!(code, Some(0));
    assert_eq!(ok(&db, &["assignments", "--limit", "0"])["total"], 1000);
}

#[test]
fn two_servers_on_one_database_never_give_out_more_seats_than_there_are() {
    let dbs: Vec<Db> = std::iter::once(Db::sqlite())
        .chain(Db::postgres())
        .collect();
    for db in &dbs {
        let a = Server::start(db, &[]);
        let b = Server::start(db, &[]);
        let figma = pool(&a, "Figma", 5, json!({}));
        let cad = pool(&b, "CAD", 5, json!({"license_type": "concurrent"}));
        let csv: String = std::iter::once("id,email".to_string())
            .chain((0..16).map(|i| format!("u{i},u{i}@example.com")))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            a.post_raw(ADMIN, "/api/v1/users/import", "text/csv", &csv)
                .status,
            200
        );
        let results: Vec<(u16, u16)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|i| {
                    let server = if i % 2 == 0 { &a } else { &b };
                    let figma = &figma;
                    scope.spawn(move || {
                        let seat = assign(server, ADMIN, figma, &format!("u{i}")).status;
                        let lease = server
                            .send(
                                INSTANCE,
                                "POST",
                                "/api/v1/leases",
                                &json!({"pool": "CAD", "holder": format!("ws-{i}")}),
                            )
                            .status;
                        (seat, lease)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let seats = results.iter().filter(|r| r.0 == 201).count();
        let leases = results.iter().filter(|r| r.1 == 200).count();
        assert_eq!((seats, leases), (5, 5), "{:?}: {results:?}", db.kind);
        assert!(
            results
                .iter()
                .all(|r| matches!(r.0, 201 | 409) && matches!(r.1, 200 | 409))
        );
        // Both servers, and the CLI, count the same.
        for s in [&a, &b] {
            assert_eq!(
                s.get(ADMIN, &format!("/api/v1/pools/{figma}")).body["allocated"],
                5
            );
            assert_eq!(
                s.get(ADMIN, &format!("/api/v1/pools/{cad}")).body["allocated"],
                5
            );
        }
        assert_eq!(ok(db, &["audit", "verify"])["ok"], true);
        if db.kind == Kind::Postgres {
            eprintln!("two servers on PostgreSQL: exact");
        }
    }
}

#[test]
fn token_new_prints_a_token_and_the_entry_that_accepts_it() {
    let db = Db::sqlite();
    let out = ok(
        &db,
        &[
            "token",
            "new",
            "--name",
            "cad-hosts",
            "--role",
            "instance",
            "--pool",
            "CAD",
        ],
    );
    let token = out["token"].as_str().unwrap();
    assert!(
        token.starts_with("lmst1_") && token.len() == 6 + 64,
        "{token}"
    );
    let entry = out["entry"].as_str().unwrap();
    assert!(!entry.contains(token));
    assert!(entry.contains("pools = [\"CAD\"]"), "{entry}");
    let (code, json) = common::run(&db, &["token", "new", "--name", "x", "--role", "root"]);
    assert_eq!(
        (code, json["error"]["code"].as_str()),
        (1, Some("invalid_value"))
    );
}

/// The example product instance (examples/python/seat_instance.py): holds a
/// seat while it runs, says so when the pool is full, gives the seat back
/// on SIGTERM.
#[test]
fn the_example_instance_holds_a_seat_and_releases_it_at_exit() {
    use std::io::BufRead as _;
    let db = Db::sqlite();
    let s = Server::start(&db, &[]);
    pool(
        &s,
        "CAD",
        1,
        json!({"license_type": "concurrent", "ttl_seconds": 60}),
    );
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/python/seat_instance.py"
    );
    let instance = |holder: &str| {
        std::process::Command::new("python3")
            .args([
                script,
                "--server",
                &s.base,
                "--pool",
                "CAD",
                "--holder",
                holder,
                "--heartbeat",
                "0.2",
            ])
            .env("LICMAN_SEATS_TOKEN", INSTANCE)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = instance("ws-1");
    let mut lines = std::io::BufReader::new(first.stdout.take().unwrap()).lines();
    let held = lines.next().unwrap().unwrap();
    assert!(held.starts_with("seat held: lease "), "{held}");
    let beat = lines.next().unwrap().unwrap();
    assert!(beat.starts_with("heartbeat: held until"), "{beat}");
    // The pool is full: the second instance says so and exits 3.
    let second = instance("ws-2").wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(3));
    let said = String::from_utf8_lossy(&second.stdout);
    assert!(
        said.contains(
            "no seat free in CAD: the pool is full: 1 of 1 seats are allocated (capacity_exceeded)"
        ),
        "{said}"
    );
    // SIGTERM: the first gives its seat back.
    std::process::Command::new("kill")
        .args(["-TERM", &first.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(first.wait().unwrap().code(), Some(0));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(
        rest.last().map(String::as_str),
        Some("seat released"),
        "{rest:?}"
    );
    let leases = s.get(ADMIN, "/api/v1/leases?holder=ws-1");
    assert_eq!(
        leases.body["items"][0]["status"], "released",
        "{}",
        leases.text
    );
    let next = s.send(
        INSTANCE,
        "POST",
        "/api/v1/leases",
        &json!({"pool": "CAD", "holder": "ws-3"}),
    );
    assert_eq!(next.status, 200, "{}", next.text);
}

/// One HTTP/1.1 exchange on an open connection: the status and whether the
/// server said it will close the connection.
fn exchange(
    conn: &mut std::net::TcpStream,
    head: &str,
    body: &str,
    pause: Duration,
) -> (u16, bool) {
    use std::io::{Read as _, Write as _};
    conn.write_all(head.as_bytes()).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(pause);
    conn.write_all(body.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        let n = conn.read(&mut byte).unwrap();
        assert_eq!(
            n,
            1,
            "the connection closed without an answer: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&got).to_ascii_lowercase();
    let status: u16 = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut rest = vec![0u8; length];
    conn.read_exact(&mut rest).unwrap();
    (status, head.contains("connection: close"))
}

#[test]
fn a_request_refused_before_its_body_arrived_leaves_the_connection_usable() {
    // The client sends the headers, then the body a moment later (as a
    // client that writes them separately does under load). The refusal
    // (no valid token) comes before the handler reads the body; the next
    // request on the same keep-alive connection must still be answered.
    let db = Db::sqlite();
    let s = Server::start(&db, &[]);
    let addr = s.base.strip_prefix("http://").unwrap();
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = r#"{"name":"N","vendor":"V","capacity":1}"#;
    for (token, want) in [("wrong", 401), (STAFF, 403)] {
        let head = format!(
            "POST /api/v1/pools HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let (status, closing) = exchange(&mut conn, &head, body, Duration::from_millis(300));
        assert_eq!(status, want);
        assert!(!closing, "the server closes the connection after a {want}");
        let me = format!(
            "GET /api/v1/me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {ADMIN}\r\n\r\n"
        );
        assert_eq!(exchange(&mut conn, &me, "", Duration::ZERO).0, 200);
    }
}
