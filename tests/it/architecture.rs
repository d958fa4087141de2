//! The layers, checked: who may `use` whom, and no circle. Lessons and the bench say what
//! happened as data; only `report` has words. A small scan of `crate::` paths is enough (as
//! shared/tools/imports.py does): per file, edges inside one folder are the folder's business.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module (file) of src/ and the modules it names through `crate::` or `super::` paths.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = BTreeMap::new();
    for (module, text) in &files {
        // Unit tests may reach anywhere.
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
        let mut uses = BTreeSet::new();
        for path in paths_named(module, text) {
            if let Some(target) = resolve(&path, &modules)
                && &target != module
            {
                uses.insert(target);
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().to_string())
                .collect();
            if ["mod", "main"].contains(&parts.last().unwrap().as_str()) {
                parts.pop();
            }
            out.push((parts.join("::"), std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The module paths a file names: `crate::a::b`, `super::x`, and `use crate::{a, b::c}` groups.
fn paths_named(module: &str, text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let here: Vec<&str> = if module.is_empty() {
        vec![]
    } else {
        module.split("::").collect()
    };
    let words: Vec<char> = text.chars().collect();
    let text_str: String = words.iter().collect();
    for (head, base) in [
        ("crate::", vec![]),
        ("super::", here[..here.len().saturating_sub(1)].to_vec()),
    ] {
        let mut from = 0;
        while let Some(at) = text_str[from..].find(head) {
            let start = from + at + head.len();
            let rest = &text_str[start..];
            if rest.starts_with('{') {
                let end = rest.find("};").unwrap_or(rest.len());
                for item in rest[1..end].split(',') {
                    let item: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    if !item.is_empty() {
                        paths.push(join(&base, &item));
                    }
                }
            } else {
                let item: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                paths.push(join(&base, &item));
            }
            from = start;
        }
    }
    paths
}

fn join(base: &[&str], item: &str) -> String {
    let mut parts: Vec<&str> = base.to_vec();
    parts.extend(item.split("::").filter(|p| !p.is_empty()));
    parts.join("::")
}

fn resolve(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|k| parts[..k].join("::"))
        .find(|candidate| modules.contains(candidate))
}

fn same_folder(a: &str, b: &str) -> bool {
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split("::").collect(), b.split("::").collect());
    pa[..pa.len() - 1] == pb[..]
        || pb[..pb.len() - 1] == pa[..]
        || (pa.len() > 1 && pa[..pa.len() - 1] == pb[..pb.len() - 1])
}

#[test]
fn no_module_imports_itself_in_a_circle() {
    let graph = graph();
    // Depth-first search for a back edge, ignoring a folder's edges with its own mod.rs.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(node, 1);
        stack.push(node);
        for next in &graph[node] {
            if same_folder(node, next) {
                continue;
            }
            match state.get(next.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|n| n == next).unwrap();
                    return Some(stack[at..].iter().map(|s| s.to_string()).collect());
                }
                Some(_) => {}
                None => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node, 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            let cycle = visit(node, &graph, &mut state, &mut Vec::new());
            assert!(cycle.is_none(), "import circle: {cycle:?}");
        }
    }
    assert!(
        graph.len() > 20,
        "the scan found the modules: {:?}",
        graph.keys()
    );
}

#[test]
fn only_the_report_layer_has_words() {
    let graph = graph();
    // (layer prefix, what it may use besides itself)
    let rules: [(&str, &[&str]); 5] = [
        ("sys", &[]),
        ("units", &["sys"]),
        ("event", &["sys", "bench::model"]),
        ("lessons", &["event", "sys", "bench::model"]),
        ("bench", &["event", "sys"]),
    ];
    for (module, uses) in &graph {
        for (layer, allowed) in rules {
            if module != layer && !module.starts_with(&format!("{layer}::")) {
                continue;
            }
            if module == "bench::model" {
                assert!(
                    uses.iter().all(|u| u.starts_with("sys")),
                    "bench::model is a leaf: {uses:?}"
                );
                continue;
            }
            for used in uses {
                let inside = used == layer || used.starts_with(&format!("{layer}::"));
                let ok = inside
                    || allowed
                        .iter()
                        .any(|a| used == a || used.starts_with(&format!("{a}::")));
                assert!(ok, "{module} uses {used}: {layer} may use only {allowed:?}");
            }
        }
    }
    assert!(graph["report"].contains("event"), "{:?}", graph["report"]);
}
