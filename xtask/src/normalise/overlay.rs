//! The reviewed inputs kept beside the vendored spec: `overrides.json` and the prose in
//! `docs/*.json`, read and merged into one [`Overlay`].

use std::path::Path;

use serde_json::{Value, json};

/// The reviewed inputs that sit beside the vendored spec.
pub struct Overlay {
    pub overrides: Value,
    pub docs: Value,
}

impl Overlay {
    /// Reads `overrides.json` and the prose overlay: every `docs/*.json` file (one per API
    /// group, in file-name order), merged into one value. Two files documenting the same
    /// operation or schema are an error.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let read = |path: &Path| -> Result<Value, String> {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))
        };
        let docs_dir = dir.join("docs");
        let mut files: Vec<_> = std::fs::read_dir(&docs_dir)
            .map_err(|e| format!("cannot read {}: {e}", docs_dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut docs = json!({"info": {}, "tags": {}, "operations": {}, "schemas": {}});
        for file in files {
            let part = read(&file)?;
            let name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            merge_docs(&mut docs, part, &name)?;
        }
        Ok(Self {
            overrides: read(&dir.join("overrides.json"))?,
            docs,
        })
    }

    #[cfg(test)]
    pub fn empty() -> Self {
        Self {
            overrides: json!({}),
            docs: json!({}),
        }
    }
}

/// Adds one overlay file to the merged overlay. A file holds any of `info`, `tag` with its
/// `guide`, `operations` and `schemas`.
fn merge_docs(docs: &mut Value, part: Value, file: &str) -> Result<(), String> {
    let Value::Object(part) = part else {
        return Err(format!("docs/{file} is not a JSON object"));
    };
    if let Some(tag) = part.get("tag").and_then(Value::as_str) {
        let guide = part.get("guide").cloned().unwrap_or(json!(""));
        if docs["tags"].get(tag).is_some() {
            return Err(format!(
                "docs/{file}: tag `{tag}` has a guide in another docs file"
            ));
        }
        docs["tags"][tag] = guide;
    }
    for (key, value) in part {
        match key.as_str() {
            "info" => {
                for (k, v) in value.as_object().into_iter().flatten() {
                    docs["info"][k.as_str()] = v.clone();
                }
            }
            "tag" | "guide" | "about" => {}
            "operations" | "schemas" => {
                let target = docs[key.as_str()].as_object_mut().expect("made above");
                for (name, entry) in value.as_object().into_iter().flatten() {
                    if target.insert(name.clone(), entry.clone()).is_some() {
                        return Err(format!(
                            "docs/{file}: {key} entry `{name}` is also in another docs file"
                        ));
                    }
                }
            }
            other => return Err(format!("docs/{file}: unknown key `{other}`")),
        }
    }
    Ok(())
}
