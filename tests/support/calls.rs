//! Calls that several test files make the same way.

use genauth::prelude::*;
use genauth::{Error, ManagementClient, types};

/// The seed call (`get_otp_secret_by_user`) for user `u1`, down to its data.
pub async fn fetch_otp(client: &ManagementClient) -> Result<types::OtpSecretRespDto, Error> {
    client
        .get_otp_secret_by_user()
        .user_id("u1")
        .send()
        .await?
        .into_data()
}
