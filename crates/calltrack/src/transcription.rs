//! From recording to analysis: start a transcription job when a recording lands, analyse the
//! transcript when it lands, record failures. Driven by blob events (S3 ObjectCreated on AWS).
//!
//! Keys are laid out in [`crate::blobs`]. The job
//! name is derived from the recording key, so a second delivery of the same event starts nothing
//! new (the transcriber answers `AlreadyExists`, which is success).

use tracing::{info, warn};

use crate::blobs::{self, classify, transcript_key, BlobKind};
use crate::model::*;
use crate::ports::*;
use crate::report;
use crate::rollups;
use crate::speech::{self, AnalysisConfig};

/// The transcription job's name for a recording key (Transcribe allows `[0-9a-zA-Z._-]`).
pub fn job_name(recording_key: &str) -> String {
    let s: String = recording_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("ct-{s}")
}

/// The call a job name was made for (the inverse of [`job_name`]).
pub fn call_of_job(name: &str) -> Option<(TenantId, CallId)> {
    let rest = name.strip_prefix("ct-recordings-")?;
    let at = rest.rfind("-c_")?;
    let tenant = TenantId::parse(&rest[..at]).ok()?;
    let call = rest[at + 1..].split('.').next()?;
    Some((tenant, CallId::parse(call).ok()?))
}

/// What came of a blob event.
#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    Started,
    AlreadyStarted,
    Skipped(String),
    Analysed {
        score: u8,
    },
    Failed(String),
    /// No such call (or tenant): the blob is kept and the event reported, not dropped.
    UnknownCall,
}

#[derive(Debug, thiserror::Error)]
pub enum TranscriptionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Transcriber(#[from] TranscriberError),
    #[error("the call kept changing; retry")]
    Contended,
}

/// Why a call is not worth transcribing, by the tenant's rules.
pub fn skip_reason(tenant: &Tenant, call: &Call) -> Option<String> {
    if !tenant.transcription.enabled {
        return Some("transcription is off for this tenant".into());
    }
    if matches!(call.outcome, Outcome::Missed | Outcome::Failed) {
        return Some(format!("the call was {}", call.outcome.as_str()));
    }
    let talk = call.talk_seconds.unwrap_or(0);
    if talk < tenant.transcription.min_talk_seconds {
        return Some(format!(
            "talk time {talk} s is under the tenant's {} s",
            tenant.transcription.min_talk_seconds
        ));
    }
    None
}

/// A recording landed: start its transcription, or record why not.
pub async fn on_recording(
    store: &dyn Store,
    transcriber: &dyn Transcriber,
    key: &str,
) -> Result<Handled, TranscriptionError> {
    let BlobKind::Recording { tenant, call, .. } = classify(key).map_err(StoreError::from)? else {
        return Err(StoreError::from(Invalid::new("key", "not a recording")).into());
    };
    let Some(t) = store.get_tenant(&tenant).await? else {
        return Ok(Handled::UnknownCall);
    };
    let Some(c) = store.get_call(&tenant, &call).await? else {
        warn!(tenant = %tenant, call_id = %call, key, "recording for an unknown call kept, not transcribed");
        return Ok(Handled::UnknownCall);
    };
    if let Some(reason) = skip_reason(&t, &c) {
        set_state(
            store,
            &tenant,
            &call,
            Transcription::Skipped(reason.clone()),
            None,
        )
        .await?;
        return Ok(Handled::Skipped(reason));
    }
    let job = TranscriptionJob {
        name: job_name(key),
        media_key: key.to_string(),
        output_key: transcript_key(&tenant, &call),
        language: Some(t.language.clone()).filter(|l| l != "auto"),
        // We ask Twilio and Telnyx for dual-channel recordings; other PBXs send mono.
        stereo: crate::telephony::of(c.provider).recording_is_stereo(),
    };
    let started = transcriber.start(&job).await?;
    set_state(store, &tenant, &call, Transcription::Pending, None).await?;
    info!(tenant = %tenant, call_id = %call, job = %job.name, "transcription started");
    Ok(match started {
        StartOutcome::Started => Handled::Started,
        StartOutcome::AlreadyExists => Handled::AlreadyStarted,
    })
}

/// The analysis settings for a tenant: the language's defaults, the tenant's agent channel, and
/// its override file `config/{tenant}/speech.toml` in the blob store when there is one.
pub async fn config_for(
    blobs: &dyn BlobStore,
    tenant: &Tenant,
) -> Result<AnalysisConfig, BlobError> {
    let mut cfg = AnalysisConfig::for_language(&tenant.language);
    cfg.agent_channel = u32::from(tenant.agent_channel);
    match blobs.get(&blobs::speech_config_key(&tenant.id)).await {
        Ok(bytes) => match cfg.overridden_by(&String::from_utf8_lossy(&bytes)) {
            Ok(c) => cfg = c,
            Err(e) => warn!(tenant = %tenant.id, error = %e, "speech config override ignored"),
        },
        Err(BlobError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    Ok(cfg)
}

/// A transcript landed: analyse it (with the language model too, when `ai` has one) and store
/// the analysis on the call. The model's failure never fails the call: the rule-based analysis
/// is stored, marked partial.
pub async fn on_transcript(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    ai: &dyn AiAnalyser,
    key: &str,
) -> Result<Handled, TranscriptionError> {
    let BlobKind::Transcript { tenant, call } = classify(key).map_err(StoreError::from)? else {
        return Err(StoreError::from(Invalid::new("key", "not a transcript")).into());
    };
    let Some(t) = store.get_tenant(&tenant).await? else {
        return Ok(Handled::UnknownCall);
    };
    let Some(existing) = store.get_call(&tenant, &call).await? else {
        warn!(tenant = %tenant, call_id = %call, key, "transcript for an unknown call kept, not analysed");
        return Ok(Handled::UnknownCall);
    };
    let bytes = blobs.get(key).await?;
    let cfg = config_for(blobs, &t).await?;
    let transcript = match speech::parse(&bytes) {
        Ok(transcript) => transcript,
        Err(e) => {
            let reason = format!("unreadable transcript: {e}");
            set_state(
                store,
                &tenant,
                &call,
                Transcription::Failed(reason.clone()),
                None,
            )
            .await?;
            return Ok(Handled::Failed(reason));
        }
    };
    let mut a = speech::analyse(&transcript, &cfg);
    if let Some(model) = ai.model() {
        if let Some(req) = speech::ai::request(&transcript, &a, &cfg) {
            match earlier_ai(&existing, &a, &model) {
                // A redelivered event: the model already read this transcript (and was paid).
                Some(done) => a.ai = Some(done),
                None => {
                    let reply = ai.ask(&req).await.map_err(|e| e.to_string());
                    speech::ai::attach(&mut a, &req, &model, reply);
                    if let Some(ai) = &a.ai {
                        info!(tenant = %tenant, call_id = %call, model, input_tokens = ai.input_tokens,
                            output_tokens = ai.output_tokens, error = ai.error.as_deref(), "AI analysis");
                    }
                }
            }
        }
    }
    let score = a.score;
    let json = serde_json::to_value(&a).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    set_state(
        store,
        &tenant,
        &call,
        Transcription::Done,
        Some((json, score)),
    )
    .await?;
    info!(tenant = %tenant, call_id = %call, score, "call analysed");
    Ok(Handled::Analysed { score })
}

/// The model's answer stored for this same transcript (same length and words per side), if
/// it was usable: a second delivery of the event does not pay for a second answer.
fn earlier_ai(call: &Call, now: &speech::Analysis, model: &str) -> Option<speech::ai::AiAnalysis> {
    let before: speech::Analysis = serde_json::from_value(call.analysis.clone()?).ok()?;
    let same = before.duration_seconds == now.duration_seconds
        && before.agent.words == now.agent.words
        && before.customer.words == now.customer.words;
    before
        .ai
        .filter(|ai| same && ai.error.is_none() && ai.model == model)
}

/// A transcription job failed: record it on the call.
pub async fn on_job_failed(
    store: &dyn Store,
    job: &str,
    reason: &str,
) -> Result<Handled, TranscriptionError> {
    let Some((tenant, call)) = call_of_job(job) else {
        warn!(job, "failed transcription job that is not ours");
        return Ok(Handled::UnknownCall);
    };
    let reason = format!("transcription failed: {reason}");
    let found = set_state(
        store,
        &tenant,
        &call,
        Transcription::Failed(reason.clone()),
        None,
    )
    .await?;
    Ok(if found {
        Handled::Failed(reason)
    } else {
        Handled::UnknownCall
    })
}

/// Writes a call's transcription state (and analysis), re-reading on a concurrent change. A
/// finished state is never replaced by `pending` (a late duplicate start). False when there is
/// no such call.
async fn set_state(
    store: &dyn Store,
    tenant: &TenantId,
    call: &CallId,
    state: Transcription,
    analysis: Option<(serde_json::Value, u8)>,
) -> Result<bool, TranscriptionError> {
    for _ in 0..8 {
        let Some(mut c) = store.get_call(tenant, call).await? else {
            return Ok(false);
        };
        if state == Transcription::Pending
            && matches!(
                c.transcription,
                Transcription::Done | Transcription::Failed(_)
            )
        {
            return Ok(true);
        }
        let version = c.version;
        let before = report::problem_of(&c);
        let was = c.clone();
        c.transcription = state.clone();
        if let Some((a, score)) = &analysis {
            c.analysis = Some(a.clone());
            c.quality_score = Some(*score);
        }
        let after = report::problem_of(&c);
        // The score counts in the rollups (averages per manager and channel) in this commit.
        let rollups = if was.quality_score == c.quality_score && was.analysis == c.analysis {
            vec![]
        } else {
            let day = match c.rollup_day {
                Some(day) => Some(day),
                None => store
                    .get_tenant(tenant)
                    .await?
                    .map(|t| t.day_of(c.started_at)),
            };
            day.map(|day| {
                rollups::diff(
                    rollups::call_contribution_on(day, &was),
                    rollups::call_contribution_on(day, &c),
                )
            })
            .unwrap_or_default()
        };
        let commit = Commit {
            calls: vec![CallWrite::new(c, Some(version))],
            rollups,
            problems: (before != after)
                .then_some(ProblemChange {
                    old: before,
                    new: after,
                })
                .into_iter()
                .collect(),
            ..Default::default()
        };
        if store.commit(&commit).await? == CommitOutcome::Committed {
            return Ok(true);
        }
    }
    Err(TranscriptionError::Contended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_classified_and_job_names_lead_back_to_the_call() {
        let key = "recordings/acme-co/c_0123456789abcdef0123.wav";
        let BlobKind::Recording { tenant, call, ext } = classify(key).unwrap() else {
            panic!("a recording")
        };
        assert_eq!(
            (tenant.as_str(), call.as_str(), ext.as_str()),
            ("acme-co", "c_0123456789abcdef0123", "wav")
        );
        let job = job_name(key);
        assert_eq!(job, "ct-recordings-acme-co-c_0123456789abcdef0123.wav");
        assert_eq!(call_of_job(&job), Some((tenant, call)));
        assert!(matches!(
            classify("transcripts/acme/c_0123456789abcdef0123.json"),
            Ok(BlobKind::Transcript { .. })
        ));
        for bad in [
            "recordings/acme/x.wav",
            "other/acme/c_0123456789abcdef0123.wav",
            "recordings/acme",
            "transcripts/acme/c_0123456789abcdef0123.wav",
        ] {
            assert!(classify(bad).is_err(), "{bad}");
        }
    }
}
