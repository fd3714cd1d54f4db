//! The core's layers point one way: a module may use only modules of its
//! own layer or the layers below it, and the top-level modules form no
//! cycle. Read from the source (every `crate::module` path, doc links
//! included), so an import against the direction fails CI. The layers are
//! described in docs/ARCHITECTURE.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Each top-level module of `licman-core/src` and its layer, lowest first.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "primitives",
        &[
            "ids",
            "time",
            "module_set",
            "name_index",
            "quota",
            "option_name",
            "json",
        ],
    ),
    (
        "license",
        &[
            "claims",
            "error",
            "format",
            "keys",
            "wire",
            "revocation",
            "activation",
            "verify",
            "sign",
        ],
    ),
    ("routes", &["routes"]),
    ("catalog", &["catalog"]),
    ("enforce", &["enforce"]),
    ("seats", &["seats"]),
    ("crate root and doc helpers", &["lib", "doc_helpers"]),
];

fn rank(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// Top-level module → the top-level modules its files name.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let first = relative
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            let text = fs::read_to_string(&path).unwrap();
            let used = graph.entry(module.clone()).or_default();
            for (at, _) in text.match_indices("crate::") {
                let name: String = text[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    used.insert(name);
                }
            }
            // `use crate::{a, b}` names several modules at once.
            for (at, _) in text.match_indices("crate::{") {
                let group = &text[at + 8..at + 8 + text[at + 8..].find('}').unwrap()];
                for item in group.split(',') {
                    let name = item.trim().split("::").next().unwrap_or("");
                    if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty()
                    {
                        used.insert(name.to_string());
                    }
                }
            }
        }
    }
    graph
}

#[test]
fn every_module_has_a_layer() {
    for module in uses().keys() {
        assert!(
            rank(module).is_some(),
            "src/{module} is in no layer of tests/layers.rs"
        );
    }
}

#[test]
fn modules_use_only_their_layer_and_the_layers_below() {
    let mut wrong = Vec::new();
    for (module, used) in uses() {
        let Some(own) = rank(&module) else { continue };
        for target in used {
            match rank(&target) {
                Some(r) if r <= own => {}
                Some(r) => wrong.push(format!(
                    "{module} ({}) uses {target} ({})",
                    LAYERS[own].0, LAYERS[r].0
                )),
                None => wrong.push(format!("{module} uses {target}, which is in no layer")),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the direction:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn top_level_modules_form_no_cycle() {
    let graph = uses();
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            panic!("a module cycle: {}", cycle.join(" -> "));
        }
    }
}
