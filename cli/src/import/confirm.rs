//! Matching an answer's `data` (the users `createUsersBatch` created) back to the users
//! sent, by their identifiers.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

/// An identifier of a user, as the API keeps them unique within a user pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum IdField {
    Email,
    Phone,
    Username,
    ExternalId,
}

impl IdField {
    const ALL: [IdField; 4] = [
        IdField::Email,
        IdField::Phone,
        IdField::Username,
        IdField::ExternalId,
    ];

    fn name(self) -> &'static str {
        match self {
            IdField::Email => "email",
            IdField::Phone => "phone",
            IdField::Username => "username",
            IdField::ExternalId => "externalId",
        }
    }
}

/// The identifiers of a user object, normalised for comparison: surrounding white space
/// removed; an email in lower case (the spec: emails are matched case-insensitively); phone,
/// username and externalId exactly as given (nothing says the API folds them; a value the
/// server changed then leaves its row unconfirmed, to be sent again, never confirmed by
/// mistake). Empty and non-string values are left out.
fn identifiers(user: &Value) -> Vec<(IdField, String)> {
    IdField::ALL
        .into_iter()
        .filter_map(|field| {
            let value = user.get(field.name())?.as_str()?.trim();
            if value.is_empty() {
                return None;
            }
            let value = match field {
                IdField::Email => value.to_lowercase(),
                _ => value.to_string(),
            };
            Some((field, value))
        })
        .collect()
}

/// Which of the users `sent` the answer's `data` lists as created, each matched by its
/// identifiers: email, phone, username, externalId, with surrounding white space removed;
/// emails compared without regard to case (the spec says the API matches them so), the
/// others exactly (nothing says the API folds them, and a value the server changed leaves
/// its row unconfirmed, to be sent again, never confirmed by mistake).
///
/// An item of `data` confirms the one user sent that shares an identifier with it, when
/// every identifier both have agrees. An answer that cannot be matched that way confirms
/// nothing and is an error with the reason: `data` is not a list, or lists more users than
/// were sent; an item is not an object, has no identifier, matches no user sent, matches
/// more than one, disagrees with the user it matches, or matches a user another item
/// matched already. The reasons name fields and positions, never values.
pub fn confirmed_rows(sent: &[Value], data: Option<&Value>) -> Result<Vec<bool>, String> {
    let Some(Value::Array(items)) = data else {
        return Err("the answer's `data` is not a list of users".into());
    };
    if items.len() > sent.len() {
        return Err(format!(
            "the answer's `data` lists {} users, {} were sent",
            items.len(),
            sent.len()
        ));
    }
    let sent_ids: Vec<HashMap<IdField, String>> = sent
        .iter()
        .map(|u| identifiers(u).into_iter().collect())
        .collect();
    let mut index: HashMap<(IdField, &str), Vec<usize>> = HashMap::new();
    for (row, ids) in sent_ids.iter().enumerate() {
        for (field, value) in ids {
            index.entry((*field, value.as_str())).or_default().push(row);
        }
    }
    let mut confirmed = vec![false; sent.len()];
    for (i, item) in items.iter().enumerate() {
        let which = format!("item {} of `data`", i + 1);
        if !item.is_object() {
            return Err(format!("{which} is not an object"));
        }
        let ids = identifiers(item);
        if ids.is_empty() {
            return Err(format!(
                "{which} has no email, phone, username or externalId"
            ));
        }
        let rows: BTreeSet<usize> = ids
            .iter()
            .filter_map(|(field, value)| index.get(&(*field, value.as_str())))
            .flatten()
            .copied()
            .collect();
        let row = match rows.len() {
            0 => return Err(format!("{which} matches no user sent")),
            1 => rows.into_iter().next().unwrap_or_default(),
            _ => return Err(format!("{which} matches more than one user sent")),
        };
        if let Some((field, _)) = ids
            .iter()
            .find(|(field, value)| sent_ids[row].get(field).is_some_and(|v| v != value))
        {
            return Err(format!(
                "{which} has another {} than the user it matches",
                field.name()
            ));
        }
        if std::mem::replace(&mut confirmed[row], true) {
            return Err(format!("{which} matches a user an earlier item matched"));
        }
    }
    Ok(confirmed)
}
