//! Speech analytics: Amazon Transcribe output in, conversation metrics and a quality score out.
//!
//! Russian is not supported by Transcribe Call Analytics, so calls are transcribed with standard
//! transcription (channel identification for stereo, speaker labels for mono) and the metrics
//! are computed here from word timings: talk time, silences, interruptions, keywords, script
//! compliance, objections, complaint and conflict markers, and one score with its reasons.
//! Call Analytics output is read too, where a tenant's language has it.
//!
//! ```
//! use calltrack::speech::{self, AnalysisConfig};
//! let json = br#"{"results": {"language_code": "en-US", "items": [
//!   {"start_time": "0.5", "end_time": "0.9", "speaker_label": "spk_0", "type": "pronunciation",
//!    "alternatives": [{"confidence": "0.99", "content": "Hello"}]}]}}"#;
//! let transcript = speech::parse(json).unwrap();
//! let analysis = speech::analyse(&transcript, &AnalysisConfig::for_language("en-US"));
//! assert_eq!(analysis.duration_seconds, 0.9);
//! ```
//!
//! Everything here is pure: no I/O, no clock. The JSON shape of [`Analysis`] and the
//! configuration format are documented in docs/speech.md.

pub mod ai;
mod analysis;
mod config;
mod dialogue;
mod metrics;
mod scoring;
mod script;
mod text;
mod transcript;

pub use analysis::{
    analyse, Analysis, Interruption, KeywordHit, Objection, Reason, Script, Side, SideStats,
    Silence, StageResult,
};
pub use config::{
    AnalysisConfig, ConfigError, Markers, ObjectionHandling, Resistance, Scoring, Stage,
};
pub use dialogue::{parse_script, spoken_seconds, transcribe_json, Dialogue, Line};
pub use text::{normalise, stem};
pub use transcript::{parse, Labelling, Transcript, TranscriptError, Word};

/// Parses a Transcribe output document and analyses it in one step.
pub fn analyse_json(bytes: &[u8], cfg: &AnalysisConfig) -> Result<Analysis, TranscriptError> {
    Ok(analyse(&parse(bytes)?, cfg))
}
