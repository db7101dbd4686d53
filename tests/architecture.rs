//! The crate's modules depend on each other one way (ARCHITECTURE.md): no module reaches, through
//! `crate::` or `super::` paths, a module that reaches it back. Read from the sources, so a new
//! circle fails here on any machine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of `src/` by path (`som::gpu`), with its source outside `#[cfg(test)]` modules.
fn modules() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            found.insert(parts.join("::"), code);
        }
    }
    found
}

/// The paths after `prefix` in `code`: `crate::som::gpu::x` gives `som::gpu::x`.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    code.match_indices(prefix)
        .filter(|(at, _)| {
            let before = code[..*at].chars().last();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        })
        .map(|(at, _)| {
            let rest = &code[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            rest[..end].trim_end_matches(':')
        })
        .collect()
}

/// The longest prefix of `path` that is a module.
fn module_of(path: &[&str], modules: &BTreeMap<String, String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| modules.contains_key(candidate))
}

fn dependencies(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (name, code) in modules {
        let own: Vec<&str> = name.split("::").collect();
        let parent = &own[..own.len() - 1];
        let mut uses = BTreeSet::new();
        for path in paths_after(code, "crate::") {
            uses.extend(module_of(&path.split("::").collect::<Vec<_>>(), modules));
        }
        for path in paths_after(code, "super::") {
            // From `a/b.rs` and from `a/b/mod.rs` alike, `super` is `a`.
            let mut full: Vec<&str> = parent.to_vec();
            full.extend(path.split("::"));
            uses.extend(module_of(&full, modules));
        }
        // A module's own children and parents are its parts, not circles.
        uses.retain(|used| {
            !used.starts_with(&format!("{name}::"))
                && !name.starts_with(&format!("{used}::"))
                && used != name
        });
        graph.insert(name.clone(), uses);
    }
    graph
}

/// A circle through `start`, if there is one.
fn circle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let here = path.last().unwrap().clone();
        for next in &graph[&here] {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(graph, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_module_reaches_itself_through_others() {
    let modules = modules();
    assert!(modules.contains_key("som::gpu") && modules.contains_key("hopfield::network"));
    let graph = dependencies(&modules);
    assert_no_circles(&graph);
}

fn assert_no_circles(graph: &BTreeMap<String, BTreeSet<String>>) {
    // The command line sits on top of everything and is reached by nothing.
    let circles: Vec<String> = graph
        .keys()
        .filter(|name| !name.starts_with("cli"))
        .filter_map(|name| circle_from(graph, name))
        .map(|circle| circle.join(" -> "))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_top_level_modules_depend_one_way() {
    // io reads and writes for the algorithms, so som and hopfield must not use io, and so on.
    let graph = dependencies(&modules());
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, uses) in &graph {
        let here = name.split("::").next().unwrap().to_string();
        let entry = top.entry(here.clone()).or_default();
        entry.extend(
            uses.iter()
                .map(|used| used.split("::").next().unwrap().to_string())
                .filter(|used| *used != here),
        );
    }
    assert_no_circles(&top);
}

#[test]
fn the_detector_sees_a_circle() {
    let modules: BTreeMap<String, String> = [
        ("a".to_string(), "use crate::b::Thing;".to_string()),
        ("b".to_string(), "fn f() { crate::a::g() }".to_string()),
        ("c".to_string(), "use crate::a::Other;".to_string()),
    ]
    .into();
    let graph = dependencies(&modules);
    assert_eq!(circle_from(&graph, "a"), Some(vec!["a".into(), "b".into()]));
    assert_eq!(circle_from(&graph, "c"), None);
}
