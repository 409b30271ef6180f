//! The quality score: 100 less the points of every reason found, each reason saying what was
//! heard and where (the weights are the tenant's `[scoring]` settings, docs/speech.md).

use super::analysis::{Analysis, KeywordHit, Reason, Side};
use super::config::AnalysisConfig;
use super::metrics::r2;
use super::script::applicable_weights;

/// What the keyword spotter and the interruption count found that the score weighs.
pub(super) struct Findings {
    pub complaint: Option<KeywordHit>,
    pub escalation: Option<KeywordHit>,
    pub profanity: Option<KeywordHit>,
    pub agent_profanity: Option<KeywordHit>,
    /// The side that interrupted repeatedly inside the conflict window (`None`: both, in
    /// turn), and from when.
    pub repeated_interruptions: Option<(Option<Side>, f64)>,
}

/// The score of an analysed call and its reasons, costliest first as found.
pub(super) fn score(
    a: &Analysis,
    cfg: &AnalysisConfig,
    no_speech: bool,
    found: Findings,
) -> (u8, Vec<Reason>) {
    let mut reasons = Vec::new();
    let sc = &cfg.scoring;
    if no_speech {
        reasons.push(reason(
            "no_speech",
            "the transcript has no speech".into(),
            100.0,
        ));
    }
    let total_weight: f64 = applicable_weights(cfg, &a.objections).sum();
    for (stage, res) in cfg.script.iter().zip(&a.script.stages) {
        if !res.found && total_weight > 0.0 {
            reasons.push(reason(
                "script_stage_missing",
                format!("script stage {}: {}", stage.name, res.reason),
                sc.script * stage.weight.max(0.0) / total_weight,
            ));
        }
    }
    for o in a.objections.iter().filter(|o| !o.handled) {
        reasons.push(reason(
            "objection_unhandled",
            format!(
                "{} objection at {} s was not answered (\"{}\")",
                o.kind, o.at, o.said
            ),
            sc.unhandled_objection,
        ));
    }
    if let Some(k) = found.complaint {
        reasons.push(reason(
            "complaint",
            format!(
                "the customer complained (\"{}\" at {} s)",
                k.evidence(),
                k.at
            ),
            sc.complaint,
        ));
    }
    if a.conflict {
        let why = if let Some(k) = found.escalation {
            format!(
                "the customer escalated (\"{}\" at {} s)",
                k.evidence(),
                k.at
            )
        } else if let Some(k) = found.profanity {
            format!("profanity from the {} at {} s", k.side.as_str(), k.at)
        } else if let Some((side, at)) = found.repeated_interruptions {
            let who = match side {
                Some(side) => format!("the {} interrupted", side.as_str()),
                None => "the agent and the customer talked over each other".to_string(),
            };
            format!(
                "{who} {} times within {} s (from {} s)",
                cfg.markers.conflict_interruptions, cfg.markers.conflict_window_seconds, at
            )
        } else {
            String::new()
        };
        reasons.push(reason("conflict", why, sc.conflict));
    }
    if let Some(k) = found.agent_profanity {
        reasons.push(reason(
            "agent_profanity",
            format!(
                "the agent used profanity (\"{}\" at {} s)",
                k.evidence(),
                k.at
            ),
            sc.agent_profanity,
        ));
    }
    let by_agent = a
        .interruptions
        .iter()
        .filter(|i| i.by == Side::Agent)
        .count();
    if by_agent > 0 {
        reasons.push(reason(
            "agent_interrupted",
            format!("the agent interrupted the customer {by_agent} time(s)"),
            (sc.agent_interruption * by_agent as f64).min(sc.agent_interruption_max),
        ));
    }
    if !a.silences.is_empty() {
        let n = a.silences.len();
        reasons.push(reason(
            "long_silences",
            format!(
                "{n} silence(s) of {} s or more ({} s of non-talk time)",
                cfg.silence_seconds, a.non_talk_seconds
            ),
            (sc.long_silence * n as f64).min(sc.long_silence_max),
        ));
    }
    if let Some(ratio) = a.talk_to_listen {
        if ratio > sc.max_talk_to_listen {
            reasons.push(reason(
                "agent_talks_too_much",
                format!(
                    "the agent talked {ratio} times as much as the customer (over {})",
                    sc.max_talk_to_listen
                ),
                sc.talk_balance,
            ));
        } else if ratio < sc.min_talk_to_listen {
            reasons.push(reason(
                "agent_talks_too_little",
                format!(
                    "the agent talked {ratio} times as much as the customer (under {})",
                    sc.min_talk_to_listen
                ),
                sc.talk_balance,
            ));
        }
    }
    reasons.retain(|r| r.points > 0.0);
    let lost: f64 = reasons.iter().map(|r| r.points).sum();
    ((100.0 - lost).round().clamp(0.0, 100.0) as u8, reasons)
}

fn reason(code: &str, message: String, points: f64) -> Reason {
    Reason {
        code: code.to_string(),
        message,
        points: r2(points),
    }
}
