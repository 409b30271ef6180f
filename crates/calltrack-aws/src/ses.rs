//! Reports and alerts by email through SES v2.

use async_trait::async_trait;
use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use aws_sdk_sesv2::Client;
use calltrack::ports::{Email, MailError, Mailer};

/// Sends mail from one SES-verified address (Lambdas read it from `REPORT_SENDER`).
pub struct SesMailer {
    client: Client,
    from: String,
}

impl SesMailer {
    pub fn from_env(config: &aws_config::SdkConfig, from: String) -> Self {
        Self {
            client: Client::new(config),
            from,
        }
    }

    pub fn from_address(&self) -> &str {
        &self.from
    }

    /// The SDK client, for setup in tests (verifying the sender on an emulator).
    pub fn client(&self) -> &Client {
        &self.client
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        if self.from.is_empty() {
            return Err(MailError(
                "no sender address: set REPORT_SENDER to an SES-verified address".into(),
            ));
        }
        if email.to.is_empty() {
            return Err(MailError("no recipients".into()));
        }
        // Raw MIME: the only SES content that carries the report's charts as inline parts.
        let raw = RawMessage::builder()
            .data(Blob::new(email.mime(&self.from)?))
            .build()
            .map_err(|e| MailError(e.to_string()))?;
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(email.to.clone()))
                    .build(),
            )
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await
            .map_err(|e| MailError(DisplayErrorContext(e).to_string()))?;
        Ok(())
    }
}
