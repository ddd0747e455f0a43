//! A page per API group: what the group is for, an example of its most common call, and its
//! operations.
//!
//! The methods themselves live on one extension trait per group (`ClientUsersExt`,
//! `ClientRolesExt`, ...), all brought into scope by `use genauth::prelude::*`. These modules
//! hold no code; they are the reading guide.

include!(concat!(env!("OUT_DIR"), "/api_groups.rs"));
