//! Typed access to `UserAttributionDto.targetDetail`, whose shape depends on `targetType`.
//!
//! The spec declares the field as "one of" four objects that share most of their fields, so a
//! decoder that tries them in order takes every detail for the first kind. Regen keeps the
//! field as raw JSON (see `openapi/overrides.json`), and [`UserAttributionDto::target_detail`]
//! decodes it by the attribution's `targetType`.

use crate::error::Error;
use crate::types::{
    GroupDto, InvitationDepartmentRespDto, InvitationPostRespDto, RoleDto, UserAttributionDto,
    UserAttributionDtoTargetType,
};

/// The object an invitation policy's user attribution points at.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TargetDetail {
    /// `targetType` is `department`.
    Department(Box<InvitationDepartmentRespDto>),
    /// `targetType` is `post`.
    Post(Box<InvitationPostRespDto>),
    /// `targetType` is `role`.
    Role(Box<RoleDto>),
    /// `targetType` is `group`.
    Group(Box<GroupDto>),
    /// A `targetType` this version does not know, with the detail as sent.
    Other(String, serde_json::Value),
}

impl UserAttributionDto {
    /// Decodes `target_detail` as the kind of object `target_type` names. `Ok(None)` when the
    /// answer carries no detail (ask for it with `withTargetDetail`); `Error::Decode` (with no body
    /// snippet) when the detail does not have the shape of its kind.
    pub fn target_detail(&self) -> Result<Option<TargetDetail>, Error> {
        let Some(raw) = self.target_detail.as_ref().filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        fn decode<T: serde::de::DeserializeOwned>(raw: &serde_json::Value) -> Result<T, Error> {
            T::deserialize(raw).map_err(|e| Error::Decode {
                status: 200,
                message: format!("targetDetail: {e}"),
                body_snippet: String::new(),
                request_id: None,
                operation: None,
            })
        }
        Ok(Some(match &self.target_type {
            UserAttributionDtoTargetType::Department => {
                TargetDetail::Department(Box::new(decode(raw)?))
            }
            UserAttributionDtoTargetType::Post => TargetDetail::Post(Box::new(decode(raw)?)),
            UserAttributionDtoTargetType::Role => TargetDetail::Role(Box::new(decode(raw)?)),
            UserAttributionDtoTargetType::Group => TargetDetail::Group(Box::new(decode(raw)?)),
            other => TargetDetail::Other(other.to_string(), raw.clone()),
        }))
    }
}
