//! The blob store's key layout, in one place: what every key means and who writes it.
//!
//! | key | written by | read by |
//! |---|---|---|
//! | `recordings/{tenant}/{call_id}.{ext}` | webhook ingest (the provider's audio, copied) | transcription: storing it starts a job |
//! | `transcripts/{tenant}/{call_id}.json` | Amazon Transcribe (or the demo) | transcription: storing it runs the analysis |
//! | `reports/{tenant}/{from}_{to}.{json,csv,html}` | the scheduled report | people, through links |
//! | `config/{tenant}/speech.toml` | ops (the tenant's speech dictionary override) | the analysis |

use chrono::NaiveDate;

use crate::model::{CallId, Invalid, TenantId};

/// What a blob key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobKind {
    Recording {
        tenant: TenantId,
        call: CallId,
        ext: String,
    },
    Transcript {
        tenant: TenantId,
        call: CallId,
    },
}

/// Reads a (URL-decoded) blob key; anything else is not ours to handle.
pub fn classify(key: &str) -> Result<BlobKind, Invalid> {
    let bad = || {
        Invalid::new("key", format!("'{key}' is not recordings/{{tenant}}/{{call_id}}.{{ext}} or transcripts/{{tenant}}/{{call_id}}.json"))
    };
    let mut parts = key.splitn(3, '/');
    let (Some(prefix), Some(tenant), Some(file)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let tenant = TenantId::parse(tenant).map_err(|_| bad())?;
    let (stem, ext) = file.rsplit_once('.').ok_or_else(bad)?;
    let call = CallId::parse(stem).map_err(|_| bad())?;
    match prefix {
        "recordings" if matches!(ext, "wav" | "mp3" | "ogg" | "flac" | "m4a" | "webm") => {
            Ok(BlobKind::Recording {
                tenant,
                call,
                ext: ext.to_string(),
            })
        }
        "transcripts" if ext == "json" => Ok(BlobKind::Transcript { tenant, call }),
        _ => Err(bad()),
    }
}

/// The recording's key for a call; storing a recording there is what starts its transcription
/// on AWS.
pub fn recording_key(tenant: &TenantId, call: &CallId, ext: &str) -> String {
    format!("recordings/{tenant}/{call}.{ext}")
}

/// Where a call's transcript goes.
pub fn transcript_key(tenant: &TenantId, call: &CallId) -> String {
    format!("transcripts/{tenant}/{call}.json")
}

/// A tenant's speech dictionary override.
pub fn speech_config_key(tenant: &TenantId) -> String {
    format!("config/{tenant}/speech.toml")
}

/// Every prefix a tenant's blobs live under (recordings, transcripts, speech config, reports).
pub fn tenant_prefixes(tenant: &TenantId) -> [String; 4] {
    ["recordings", "transcripts", "config", "reports"].map(|p| format!("{p}/{tenant}/"))
}

/// A report's key without its extension (`.json`, `.csv`, `.html` follow).
pub fn report_key_stem(tenant: &TenantId, from: NaiveDate, to: NaiveDate) -> String {
    format!("reports/{tenant}/{from}_{to}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_classify() {
        let t = TenantId::parse("acme").unwrap();
        let c = CallId::parse("c_0123456789abcdef0123").unwrap();
        assert_eq!(
            classify(&recording_key(&t, &c, "wav")),
            Ok(BlobKind::Recording {
                tenant: t.clone(),
                call: c.clone(),
                ext: "wav".into()
            })
        );
        assert_eq!(
            classify(&transcript_key(&t, &c)),
            Ok(BlobKind::Transcript { tenant: t, call: c })
        );
    }
}
