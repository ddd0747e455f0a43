//! The normaliser: upstream OpenAPI document in, progenitor-ready spec out.
//!
//! Every rule is deterministic and idempotent: `normalise(normalise(x)) == normalise(x)`,
//! which is what `regen --check` relies on. Decisions that need a human (which numbers are
//! integers, which fields are secret, corrections to the upstream facts) live in
//! `openapi/overrides.json`; prose lives in `openapi/docs/`. These modules hold mechanism only,
//! one pass (or family of passes) each; this one runs them in order.

mod docs;
mod enums;
mod fixes;
mod hazards;
mod marks;
mod names;
mod overlay;
mod safety;
mod typing;
mod walk;

use serde_json::{Value, json};

use self::docs::{Coverage, apply_docs};
use self::enums::{check_enums, share_enums};
use self::hazards::{type_query_parameters, untype_mixed_enums};
use self::marks::{apply_read_marks, bracket_query_arrays, mark_pagination};
use self::names::{note_keyword_parameters, rename_schemas_for_rust};
use self::safety::{check_operations, check_version};
use self::typing::{apply_integers, apply_sensitive};

pub(crate) use self::fixes::apply_fixes;
pub use self::overlay::Overlay;
pub(crate) use self::walk::{METHODS, for_each_operation_mut, op_id, string_set};

/// The normalised document plus what the normaliser wants a maintainer to know.
pub struct Outcome {
    pub spec: Value,
    pub notes: Vec<String>,
    /// Overlay entries that match nothing, or that contradict the spec.
    pub stale: Vec<String>,
    pub coverage: Coverage,
}

/// Runs every rule in order. The order matters: corrections first (they change facts), then
/// structural safety, then typing rules, then the enum sharing that depends on final values,
/// then prose.
pub fn normalise(mut doc: Value, overlay: &Overlay) -> Result<Outcome, String> {
    let mut notes = Vec::new();
    check_version(&doc)?;
    apply_fixes(&mut doc, &overlay.overrides, &mut notes)?;
    check_operations(&mut doc, &mut notes)?;
    rename_schemas_for_rust(&mut doc, &mut notes)?;
    untype_mixed_enums(&mut doc, &mut notes);
    type_query_parameters(&mut doc, &mut notes);
    note_keyword_parameters(&doc, &mut notes);
    apply_integers(&mut doc, &overlay.overrides);
    apply_sensitive(&mut doc, &overlay.overrides);
    apply_read_marks(&mut doc, &overlay.overrides)?;
    mark_pagination(&mut doc);
    bracket_query_arrays(&mut doc);
    share_enums(&mut doc, &overlay.overrides, &mut notes)?;
    check_enums(&mut doc, &mut notes)?;
    let mut stale = Vec::new();
    let coverage = apply_docs(&mut doc, &overlay.docs, &mut stale);
    doc["openapi"] = json!("3.0.3");
    Ok(Outcome {
        spec: doc,
        notes,
        stale,
        coverage,
    })
}

/// Pretty JSON with sorted keys (serde_json's default map is ordered) and a final newline.
pub fn to_pretty(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(doc).expect("a Value always serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
