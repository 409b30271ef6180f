//! The SES mailer against moto server: the sent mail is read back from moto's own API.

use calltrack::ports::{Email, Mailer};
use calltrack_aws::SesMailer;
use calltrack_integration::moto;

async fn mailer(verified: bool) -> SesMailer {
    let from = format!("{}@reports.example.com", moto::unique("calltrack"));
    let mailer = SesMailer::from_env(&moto::sdk_config().await, from.clone());
    if verified {
        mailer
            .client()
            .create_email_identity()
            .email_identity(&from)
            .send()
            .await
            .expect("verify sender");
    }
    mailer
}

fn email(subject: &str) -> Email {
    Email {
        to: vec!["owner@shop.example".into(), "sales@shop.example".into()],
        subject: subject.into(),
        html: "<h1>ROI</h1><p>3 calls</p>".into(),
        text: "ROI\n3 calls".into(),
    }
}

#[tokio::test]
async fn report_email_is_sent_from_the_configured_sender_to_every_recipient() {
    let m = mailer(true).await;
    let subject = format!("Weekly ROI {}", moto::unique("s"));
    m.send(&email(&subject)).await.unwrap();
    let data = moto::moto_data().await;
    let sent = data["ses"]["Message"]
        .as_array()
        .expect("moto lists sent SES messages");
    let msg = sent
        .iter()
        .find(|m| m["subject"] == subject.as_str())
        .unwrap_or_else(|| panic!("no mail {subject}: {sent:?}"));
    assert_eq!(msg["source"], m.from_address());
    let to = msg["destinations"]["ToAddresses"]
        .as_array()
        .expect("to addresses");
    assert_eq!(
        to,
        &vec![
            serde_json::json!("owner@shop.example"),
            serde_json::json!("sales@shop.example")
        ]
    );
    assert!(
        msg["body"]
            .as_str()
            .unwrap_or_default()
            .contains("<h1>ROI</h1>"),
        "{msg}"
    );
}

#[tokio::test]
async fn unverified_sender_is_an_error_not_a_silent_drop() {
    let m = mailer(false).await;
    let err = m.send(&email("never sent")).await.unwrap_err();
    assert!(!err.0.is_empty());
}

#[tokio::test]
async fn email_without_recipients_is_refused_before_sending() {
    let m = mailer(true).await;
    let mut e = email("nobody");
    e.to.clear();
    assert!(m.send(&e).await.is_err());
}

#[tokio::test]
async fn mailer_without_a_sender_says_which_variable_to_set() {
    let m = SesMailer::from_env(&moto::sdk_config().await, String::new());
    let err = m.send(&email("no sender")).await.unwrap_err();
    assert!(err.0.contains("REPORT_SENDER"), "{err}");
}
