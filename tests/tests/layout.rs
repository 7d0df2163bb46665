//! The library's module graph: no import cycles among its top-level modules.
//!
//! Each top-level module (a file or a folder under `actix-jwt-ext/src`) depends on another when
//! its non-test code names `crate::<other>` (in a `use`, a `use crate::{..}` group or a path).
//! Comment and doc lines are ignored (doc links do not make a dependency), and so is code from
//! a file's first `#[cfg(test)]` on (unit tests may use anything). The graph must be acyclic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use e2e_tests::workspace_root;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The identifiers named right after `crate::`, including each head of a `crate::{a, b::c}`
/// group.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                names.insert(ident(item.trim()));
            }
        } else {
            names.insert(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Module → the modules it depends on, with the files that make each edge.
fn graph(src: &Path) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let top = |p: &Path| -> String {
        let rel = p.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|p| top(p)).collect();
    let mut g: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in &files {
        let module = top(file);
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let text = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let rel = file.strip_prefix(src).unwrap().display().to_string();
        let deps = g.entry(module.clone()).or_default();
        for name in crate_paths(&code) {
            if name != module && modules.contains(&name) {
                deps.entry(name).or_default().insert(rel.clone());
            }
        }
    }
    g
}

/// A cycle through `start`, if the graph has one (depth-first search).
fn cycle_from(
    g: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    start: &str,
) -> Option<Vec<String>> {
    fn walk(
        g: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in g.get(at).into_iter().flat_map(|d| d.keys()) {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(g, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(g, start, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_scanner_sees_uses_groups_and_paths() {
    let code = "use crate::token::Object;\nuse crate::{error::JwtError, kind};\nlet x = crate::manager::JwtManager::new(c);";
    assert_eq!(
        crate_paths(code).into_iter().collect::<Vec<_>>(),
        ["error", "kind", "manager", "token"]
    );
    let mut g = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        g.entry(a.to_owned())
            .or_insert_with(BTreeMap::new)
            .insert(b.to_owned(), BTreeSet::new());
    }
    assert_eq!(cycle_from(&g, "a").unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(cycle_from(&g, "d"), None);
}

#[test]
fn library_modules_form_no_import_cycles() {
    let src = workspace_root().join("actix-jwt-ext").join("src");
    let g = graph(&src);
    assert!(g.len() >= 10, "modules found: {:?}", g.keys());
    assert!(
        g["verify"].contains_key("token"),
        "the scanner must see verify's use of token"
    );
    let mut cycles = Vec::new();
    for module in g.keys() {
        if let Some(path) = cycle_from(&g, module) {
            let edges: Vec<String> = path
                .windows(2)
                .map(|w| format!("{} -> {} ({:?})", w[0], w[1], g[&w[0]][&w[1]]))
                .collect();
            cycles.push(edges.join("; "));
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

/// The names `pub use` makes public at the crate root (the last segment of each path, or of
/// each item of a `{..}` group; `self` and renames are not used there).
fn root_names(lib: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = lib;
    while let Some(i) = rest.find("\npub use ") {
        let start = i + "\npub use ".len();
        let end = start + rest[start..].find(';').unwrap();
        let stmt = &rest[start..end];
        let items = match stmt.find('{') {
            Some(open) => stmt[open + 1..stmt.rfind('}').unwrap()].to_owned(),
            None => stmt.to_owned(),
        };
        for item in items.split(',') {
            let last = item.trim().rsplit("::").next().unwrap().trim();
            if !last.is_empty() {
                names.insert(last.to_owned());
            }
        }
        rest = &rest[end..];
    }
    for m in lib.lines().filter_map(|l| l.strip_prefix("pub mod ")) {
        names.insert(m.trim_end_matches(';').to_owned());
    }
    names
}

/// The crate docs list every root name, each on a line of its own group.
#[test]
fn crate_docs_list_every_root_name() {
    let lib = std::fs::read_to_string(workspace_root().join("actix-jwt-ext/src/lib.rs")).unwrap();
    let names = root_names(&lib);
    assert!(names.len() > 40 && names.contains("dangerous"), "{names:?}");
    let docs: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! - "))
        .collect();
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| {
            !docs.iter().any(|l| {
                l.contains(&format!("[`{n}`]"))
                    || l.contains(&format!("[`{n}()`]"))
                    || l.contains(&format!("`{n}`"))
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "root names the crate docs do not list: {missing:?}"
    );
}
