//! What the analyser looks for and how it scores: thresholds, keyword dictionaries, the script,
//! objections and penalty points. Defaults ship for Russian and English (`ru.toml`, `en.toml`
//! beside this file); a tenant's TOML or JSON file overrides them key by key.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

const EN: &str = include_str!("en.toml");
const RU: &str = include_str!("ru.toml");

/// Why a configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("config is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("config must be a table (TOML) or an object (JSON) at the top level")]
    NotATable,
    /// Well-formed, but a key is unknown or a value has the wrong type.
    #[error("config does not fit: {0}")]
    Invalid(serde_json::Error),
}

/// The analyser's configuration. Every key is documented in docs/speech.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisConfig {
    /// The language reported in the analysis (`ru-RU`, `en-US`).
    pub language: String,
    /// With channel identification: the agent's channel (`ch_N`).
    #[serde(default)]
    pub agent_channel: u32,
    /// With speaker labels: the agent's speaker (`spk_N`); none = whoever talks first.
    #[serde(default)]
    pub agent_speaker: Option<String>,
    /// Words of one side closer than this are one stretch of speech (talk time).
    pub merge_gap_seconds: f64,
    /// A silence (both sides) at least this long is listed.
    pub silence_seconds: f64,
    /// Overlap shorter than this is not an interruption (word-timing jitter, "uh-huh").
    pub interruption_min_overlap_seconds: f64,
    /// Keyword dictionaries: category -> phrases (see `text` for the matching rules).
    #[serde(default)]
    pub keywords: BTreeMap<String, Vec<String>>,
    /// The agent's script, in order.
    #[serde(default)]
    pub script: Vec<Stage>,
    /// Customer objections: kind (`price`, `timing`, `competitor`, `trust`, ...) -> phrases.
    #[serde(default)]
    pub objections: BTreeMap<String, Vec<String>>,
    /// How an objection counts as answered.
    pub objection_handling: ObjectionHandling,
    /// What makes a customer's words resistance rather than approval or a plain answer; with
    /// every list empty, each objection phrase the customer says counts.
    #[serde(default)]
    pub resistance: Resistance,
    /// Which keyword categories raise the complaint and conflict markers.
    pub markers: Markers,
    /// Points taken off the quality score.
    pub scoring: Scoring,
    /// The optional AI analysis (a summary, a label, sentiment, the tenant's questions).
    #[serde(default)]
    pub ai: super::ai::AiConfig,
}

/// One stage of the agent's script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub name: String,
    /// Any of these said by the agent completes the stage.
    pub phrases: Vec<String>,
    /// The stage only counts in the first N seconds of the call (a greeting).
    #[serde(default)]
    pub within_first_seconds: Option<f64>,
    /// The stage only counts in the last N seconds of the call (a farewell).
    #[serde(default)]
    pub within_last_seconds: Option<f64>,
    #[serde(default = "one")]
    pub weight: f64,
    /// Only required when the customer raised an objection; an answered objection completes it.
    #[serde(default)]
    pub only_if_objection: bool,
    /// Any question the agent asks (a clause Transcribe ended with "?") counts too: how
    /// needs discovery sounds in every wording.
    #[serde(default)]
    pub questions: bool,
    /// A clause with one of these does not count ("what is your order number?" identifies, it
    /// does not discover needs).
    #[serde(default)]
    pub except: Vec<String>,
}

fn one() -> f64 {
    1.0
}

/// An objection is handled when, within the next `within_turns` turns, the agent says one of
/// `phrases` or answers with at least `min_words` words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionHandling {
    pub within_turns: usize,
    pub min_words: usize,
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Per objection kind, what answering that kind sounds like (a discount or instalments for
    /// price, a guarantee or reviews for trust). A kind listed here is handled only by these;
    /// other kinds by `phrases` (or `min_words`, when it is above 0).
    #[serde(default)]
    pub families: BTreeMap<String, Vec<String>>,
}

/// Cues read in the clause (between punctuation marks) around an objection phrase: a negation
/// or a polarity word, but not both ("не дорого", "not too expensive" approve), or a hedge
/// anywhere in the sentence; a question the customer asks counts too. Approval earlier in the
/// turn, not followed by a contrast ("хорошо, но"), cancels all but a hedge; after the agent's
/// own question only polarity or a hedge counts, so "бюджет не больше шести миллионов" answers
/// rather than objects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resistance {
    #[serde(default)]
    pub negations: Vec<String>,
    #[serde(default)]
    pub polar: Vec<String>,
    #[serde(default)]
    pub hedges: Vec<String>,
    #[serde(default)]
    pub approval: Vec<String>,
    #[serde(default)]
    pub contrast: Vec<String>,
    /// Per objection kind, words that corroborate its phrase in the same sentence, so that it
    /// counts without a cue: a competitor named beside what they quoted or offered ("another
    /// firm quoted me less") objects though nothing in it is negative.
    #[serde(default)]
    pub context: BTreeMap<String, Vec<String>>,
    /// The kind raised when the customer answers the agent by echoing a figure as a question
    /// or exclamation ("Six hundred?", "Двести десять?") and does not then approve it; empty:
    /// not read.
    #[serde(default)]
    pub echo: String,
    /// Words that may stand beside the figure in such an echo (units, "and", currencies).
    #[serde(default)]
    pub echo_units: Vec<String>,
    /// The kind raised when, after the agent's figure, the customer names a lower one (what
    /// they hoped to pay, what someone else asked: "I was hoping for more like fifty"), or the
    /// kind whose `context` words the sentence holds ("в сервисе мне за двенадцать
    /// предлагали" is a competitor's quote); empty: not read.
    #[serde(default)]
    pub counter: String,
    /// Kinds that, found in one clause with other kinds, are that clause's only objection, the
    /// first listed first: "our budget doesn't start until April" puts the decision off
    /// (timing), it does not reject the price; "not sure why I'd switch" weighs a competitor.
    /// Empty: every kind found counts.
    #[serde(default)]
    pub precedence: Vec<String>,
    /// Kinds that object only once the agent has said a figure: before that, "my last
    /// accountant was far too expensive" is why the customer is calling, not a reply to a
    /// price.
    #[serde(default)]
    pub after_figure: Vec<String>,
}

impl Resistance {
    /// True when no cue is configured: every objection phrase counts, as before cues existed.
    pub fn is_empty(&self) -> bool {
        self.negations.is_empty()
            && self.polar.is_empty()
            && self.hedges.is_empty()
            && self.approval.is_empty()
    }
}

/// Which keyword categories mean what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Markers {
    /// Said by the customer: the call is a complaint.
    pub complaint_categories: Vec<String>,
    /// Said by anyone: the call is a conflict.
    pub profanity_categories: Vec<String>,
    /// Said by the customer ("get me your manager"): the call is a conflict.
    pub escalation_categories: Vec<String>,
    /// Said by the customer in one turn, a hit of every category of one of these lists makes
    /// a complaint though no complaint word is said: a failure and its repetition ("the
    /// internet is down again, third time this week").
    #[serde(default)]
    pub complaint_combinations: Vec<Vec<String>>,
    /// This many interruptions by one side within `conflict_window_seconds`: a conflict.
    pub conflict_interruptions: usize,
    pub conflict_window_seconds: f64,
}

/// Points each problem takes off the quality score (which starts at 100 and stops at 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// Shared by the missing script stages in proportion to their weight.
    pub script: f64,
    pub unhandled_objection: f64,
    pub complaint: f64,
    pub conflict: f64,
    pub agent_profanity: f64,
    pub agent_interruption: f64,
    pub agent_interruption_max: f64,
    pub long_silence: f64,
    pub long_silence_max: f64,
    /// Agent talk / customer talk above this: the agent did not listen.
    pub max_talk_to_listen: f64,
    /// Agent talk / customer talk below this: the agent hardly spoke.
    pub min_talk_to_listen: f64,
    pub talk_balance: f64,
}

impl AnalysisConfig {
    /// The shipped defaults for a language: Russian for `ru*`, English for anything else. The
    /// `language` field is set to `code`.
    pub fn for_language(code: &str) -> Self {
        let text = if code.to_ascii_lowercase().starts_with("ru") {
            RU
        } else {
            EN
        };
        let mut cfg: AnalysisConfig =
            toml::from_str(text).expect("the shipped speech defaults are valid (tested)");
        cfg.language = code.to_string();
        cfg
    }

    /// This configuration with a tenant's file laid over it: tables (objects) merge key by key,
    /// everything else (lists, numbers, strings) replaces. JSON if the text starts with `{`,
    /// TOML otherwise.
    pub fn overridden_by(&self, text: &str) -> Result<Self, ConfigError> {
        let over: serde_json::Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(text)?
        } else {
            toml::from_str(text)?
        };
        if !over.is_object() {
            return Err(ConfigError::NotATable);
        }
        let mut base = serde_json::to_value(self).map_err(ConfigError::Invalid)?;
        merge(&mut base, over);
        serde_json::from_value(base).map_err(ConfigError::Invalid)
    }
}

fn merge(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_defaults_parse_for_both_languages() {
        let ru = AnalysisConfig::for_language("ru-RU");
        let en = AnalysisConfig::for_language("en-US");
        assert_eq!(ru.language, "ru-RU");
        for cfg in [&ru, &en] {
            assert!(cfg.script.len() >= 7);
            for kind in ["price", "timing", "competitor", "trust"] {
                assert!(cfg.objections.contains_key(kind), "{kind}");
            }
            for cat in [
                "competitors",
                "prices",
                "complaints",
                "profanity",
                "escalation",
            ] {
                assert!(cfg.keywords.contains_key(cat), "{cat}");
            }
        }
        assert_ne!(ru.script, en.script);
    }

    #[test]
    fn tenant_toml_overrides_one_key_and_keeps_the_rest() {
        let base = AnalysisConfig::for_language("ru-RU");
        let cfg = base
            .overridden_by("silence_seconds = 5\n[keywords]\ncompetitors = [\"Ромашка\"]\n")
            .unwrap();
        assert_eq!(cfg.silence_seconds, 5.0);
        assert_eq!(cfg.keywords["competitors"], vec!["Ромашка".to_string()]);
        assert_eq!(cfg.keywords["prices"], base.keywords["prices"]);
        assert_eq!(cfg.script, base.script);
    }

    #[test]
    fn tenant_json_overrides_too() {
        let cfg = AnalysisConfig::for_language("en-US")
            .overridden_by(r#"{"agent_channel": 1, "scoring": {"complaint": 30}}"#)
            .unwrap();
        assert_eq!(cfg.agent_channel, 1);
        assert_eq!(cfg.scoring.complaint, 30.0);
    }

    #[test]
    fn a_misspelt_key_is_refused() {
        let err = AnalysisConfig::for_language("en-US").overridden_by("silense_seconds = 5");
        let msg = err.unwrap_err().to_string();
        assert!(msg.contains("unknown field `silense_seconds`"), "{msg}");
    }
}
