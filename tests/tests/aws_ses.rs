//! The SES mailer against moto server: the sent mail is read back from moto's own API.

use calltrack::ports::{Email, InlineImage, Mailer};
use calltrack_aws::SesMailer;
use calltrack_integration::moto;
use mail_parser::{MessageParser, MimeHeaders};

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
        inline: vec![InlineImage {
            cid: "chart@calltrack".into(),
            content_type: "image/png".into(),
            bytes: b"\x89PNG\r\n\x1a\nchart".to_vec(),
        }],
    }
}

/// The mail goes to SES as raw MIME (the only content that carries inline images); moto keeps
/// it as sent, so it is read back as a mail client would.
#[tokio::test]
async fn report_email_is_sent_from_the_configured_sender_to_every_recipient_with_its_images() {
    let m = mailer(true).await;
    let subject = format!("Weekly ROI {}", moto::unique("s"));
    m.send(&email(&subject)).await.unwrap();
    let data = moto::sent_mail().await;
    let sent = data["ses"]["RawMessage"]
        .as_array()
        .expect("moto lists sent raw SES messages");
    let (msg, mail) = sent
        .iter()
        .find_map(|m| {
            let mail = MessageParser::default().parse(m["raw_data"].as_str()?.as_bytes())?;
            (mail.subject() == Some(subject.as_str())).then_some((m, mail))
        })
        .unwrap_or_else(|| panic!("no mail {subject}: {sent:?}"));
    assert_eq!(msg["source"], m.from_address());
    // moto adds the To header's addresses to the destinations SES was given.
    let mut to: Vec<&str> = msg["destinations"]
        .as_array()
        .expect("destinations")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    to.sort();
    to.dedup();
    assert_eq!(to, ["owner@shop.example", "sales@shop.example"]);
    assert!(mail.body_html(0).unwrap().contains("<h1>ROI</h1>"));
    // On the wire lines end in CRLF, as RFC 5322 wants.
    assert_eq!(mail.body_text(0).as_deref(), Some("ROI\r\n3 calls"));
    let img = mail.attachment(0).expect("the inline image");
    assert_eq!(img.content_id(), Some("chart@calltrack"));
    assert_eq!(img.contents(), b"\x89PNG\r\n\x1a\nchart");
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
