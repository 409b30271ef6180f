//! The analysis of one call: its JSON shape and [`analyse`], which runs the metrics
//! ([`super::metrics`]), what was said ([`super::script`]) and the score ([`super::scoring`]).
//!
//! Amazon Transcribe Call Analytics does not support Russian, so the product computes what it
//! would have reported (talk time, non-talk time, interruptions) from standard transcription,
//! and adds what it does not (script compliance, objections, a score with reasons).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::config::AnalysisConfig;
use super::metrics::*;
use super::scoring::{score, Findings};
use super::script::{check_script, find_objections, spot_keywords};
use super::text::{normalise, numbers, stem, Tok};
use super::transcript::{Transcript, Word};

/// The two sides of a call. With diarization every speaker but the agent is the customer side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Agent,
    Customer,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Agent => "agent",
            Side::Customer => "customer",
        }
    }
}

/// The analysis of one call: the stable JSON shape documented in docs/speech.md. Seconds and
/// ratios are rounded to 2 decimals, `overtalk_share` to 3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// From 0 (start of the recording) to the end of the last word.
    pub duration_seconds: f64,
    pub language: String,
    /// Something was missing or guessed (see `warnings`): the figures cover what was readable.
    pub partial: bool,
    pub warnings: Vec<String>,
    pub agent: SideStats,
    pub customer: SideStats,
    /// Agent talk / customer talk; null when the customer never spoke.
    pub talk_to_listen: Option<f64>,
    /// Time in which neither side spoke (leading silence included).
    pub non_talk_seconds: f64,
    pub silences: Vec<Silence>,
    pub interruptions: Vec<Interruption>,
    /// Time both sides spoke at once, as a share (0-1) of the time anyone spoke.
    pub overtalk_share: f64,
    pub keywords: Vec<KeywordHit>,
    pub script: Script,
    pub objections: Vec<Objection>,
    pub complaint: bool,
    pub conflict: bool,
    /// Quality 0-100: 100 minus the points of `reasons`.
    pub score: u8,
    pub reasons: Vec<Reason>,
    /// The language model's summary, label, sentiment and answers, when the deployment asks
    /// one ([`super::ai`]); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai: Option<super::ai::AiAnalysis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideStats {
    /// Merged speech segments: words closer than `merge_gap_seconds` are one stretch.
    pub talk_seconds: f64,
    pub words: usize,
    /// Words per talk minute; null when the side never spoke.
    pub words_per_minute: Option<f64>,
    /// The longest turn: from its first word to its last, with no word of the other side in
    /// between and no pause of `silence_seconds` or more.
    pub longest_monologue_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub start: f64,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interruption {
    /// When the interrupting side started speaking.
    pub at: f64,
    /// Who interrupted (the other side was mid-utterance).
    pub by: Side,
    pub overlap_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeywordHit {
    pub category: String,
    /// The dictionary phrase that matched, as configured.
    pub phrase: String,
    /// The words that matched it, as said ("complained" for `complain*`): the evidence a report
    /// quotes. Empty in analyses stored before it was kept.
    #[serde(default)]
    pub said: String,
    pub side: Side,
    pub at: f64,
}

impl KeywordHit {
    /// What a report quotes: the words as said, or the dictionary phrase for an analysis stored
    /// before the words were kept.
    pub fn evidence(&self) -> &str {
        if self.said.is_empty() {
            &self.phrase
        } else {
            &self.said
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Script {
    /// Weighted share of stages found, 0-100.
    pub score: u8,
    pub stages: Vec<StageResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageResult {
    pub name: String,
    pub found: bool,
    pub at: Option<f64>,
    /// Where it was found, or why it counts as missing.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objection {
    pub kind: String,
    pub at: f64,
    /// The agent answered within the next turns.
    pub handled: bool,
    /// The customer's words that raised it (the clause around the phrase).
    #[serde(default)]
    pub said: String,
    /// The agent's words that answered it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub message: String,
    /// Points this took off the score.
    pub points: f64,
}

/// A customer turn that hits every category of one of `markers.complaint_combinations`: the
/// complaint, its evidence the words that made it ("down" + "second time") at the first one.
/// A turn that objects is weighing an offer ("the last company fixed it and it broke again"),
/// not complaining about this business, and does not count.
fn combined_complaint(
    cfg: &AnalysisConfig,
    keywords: &[KeywordHit],
    turns: &[Turn],
    objections: &[Objection],
) -> Option<KeywordHit> {
    let objects = |t: &Turn| objections.iter().any(|o| o.at >= t.start && o.at <= t.end);
    for turn in turns
        .iter()
        .filter(|t| t.side == Side::Customer && !objects(t))
    {
        let said: Vec<&KeywordHit> = keywords
            .iter()
            .filter(|k| k.side == Side::Customer && k.at >= turn.start && k.at <= turn.end)
            .collect();
        for combination in &cfg.markers.complaint_combinations {
            let parts: Option<Vec<&KeywordHit>> = combination
                .iter()
                .map(|cat| said.iter().copied().find(|k| &k.category == cat))
                .collect();
            if let Some(parts) = parts.filter(|p| !p.is_empty()) {
                let at = parts.iter().map(|k| k.at).fold(f64::INFINITY, f64::min);
                let joined = |part: fn(&KeywordHit) -> &str| {
                    parts
                        .iter()
                        .map(|k| part(k))
                        .collect::<Vec<_>>()
                        .join("\" + \"")
                };
                return Some(KeywordHit {
                    category: combination.join("+"),
                    phrase: joined(|k| &k.phrase),
                    said: joined(|k| &k.said),
                    side: Side::Customer,
                    at,
                });
            }
        }
    }
    None
}

/// Analyses a transcript. Never fails: what cannot be read is reported in `warnings` with
/// `partial: true`.
pub fn analyse(t: &Transcript, cfg: &AnalysisConfig) -> Analysis {
    let mut warnings = t.warnings.clone();
    let mut partial = t.partial;
    let words = &t.words;
    let sides = resolve_sides(t, cfg, &mut warnings, &mut partial);
    let side_of = |w: &Word| sides.get(w.speaker).copied().unwrap_or(Side::Customer);

    let duration = words.iter().map(|w| w.end).fold(0.0, f64::max);
    if words.is_empty() {
        partial = true;
        warnings.push("the transcript has no timed words".to_string());
    } else {
        for side in [Side::Agent, Side::Customer] {
            if !words.iter().any(|w| side_of(w) == side) {
                partial = true;
                warnings.push(format!(
                    "no speech from the {} side (one channel or speaker only?)",
                    side.as_str()
                ));
            }
        }
    }

    // Talk segments per side, and their union.
    let gap = cfg.merge_gap_seconds.max(0.0);
    let agent_segs = segments(words.iter().filter(|w| side_of(w) == Side::Agent), gap);
    let customer_segs = segments(words.iter().filter(|w| side_of(w) == Side::Customer), gap);
    let agent_talk: f64 = agent_segs.iter().map(Span::len).sum();
    let customer_talk: f64 = customer_segs.iter().map(Span::len).sum();
    let union = union(&agent_segs, &customer_segs);
    let union_talk: f64 = union.iter().map(Span::len).sum();
    let overlap = intersection(&agent_segs, &customer_segs);

    // Silences: the gaps of the union, from 0 to the end of the last word.
    let mut silences = Vec::new();
    let mut cursor = 0.0;
    for s in &union {
        if s.start - cursor >= cfg.silence_seconds {
            silences.push(Silence {
                start: r2(cursor),
                seconds: r2(s.start - cursor),
            });
        }
        cursor = f64::max(cursor, s.end);
    }
    let non_talk = (duration - union_talk).max(0.0);

    let mut interruptions = interruptions_by(Side::Customer, &agent_segs, &customer_segs, cfg);
    interruptions.extend(interruptions_by(
        Side::Agent,
        &customer_segs,
        &agent_segs,
        cfg,
    ));
    interruptions.sort_by(|a, b| a.at.total_cmp(&b.at));

    // Words as the matcher sees them, per side (indices into `words`).
    let norm: Vec<String> = words.iter().map(|w| normalise(&w.text)).collect();
    // A call repeats a few hundred distinct words, so each is stemmed once.
    let mut stem_of: HashMap<&str, String> = HashMap::new();
    for w in &norm {
        if !stem_of.contains_key(w.as_str()) {
            stem_of.insert(w, stem(w));
        }
    }
    let mut by_side: SideWords = Default::default();
    for (i, w) in words.iter().enumerate() {
        let k = side_of(w) as usize;
        // Capitalised inside a sentence: a name, as Transcribe writes names ("Sarah here").
        let mid_sentence = by_side[k]
            .0
            .last()
            .is_some_and(|&prev| !words[prev].punct.is_some_and(|c| ".?!".contains(c)));
        let name = mid_sentence
            && w.text.starts_with(char::is_uppercase)
            && !matches!(norm[i].as_str(), "i" | "i'm" | "i'll" | "i've" | "i'd");
        by_side[k].0.push(i);
        by_side[k].1.push(Tok {
            word: &norm[i],
            stem: &stem_of[norm[i].as_str()],
            name,
            ends: w.punct.is_some_and(|c| ".?!;".contains(c)),
            number: false,
        });
    }
    // Which words are numbers needs the word after ("one forty nine"), so it is marked once
    // each side's words are all in.
    for (_, toks) in &mut by_side {
        let number = numbers(toks);
        for (t, number) in toks.iter_mut().zip(number) {
            t.number = number;
        }
    }

    // Turns and monologues.
    let turns = turns(words, &by_side, cfg.silence_seconds);
    let mut turn_of_word: [Vec<usize>; 2] =
        [vec![0; by_side[0].0.len()], vec![0; by_side[1].0.len()]];
    for (i, turn) in turns.iter().enumerate() {
        turn_of_word[turn.side as usize][turn.first..=turn.last].fill(i);
    }
    let longest = |side: Side| {
        turns
            .iter()
            .filter(|t| t.side == side)
            .map(|t| t.end - t.start)
            .fold(0.0, f64::max)
    };

    let agent_words = by_side[Side::Agent as usize].0.len();
    let customer_words = by_side[Side::Customer as usize].0.len();

    let keywords = spot_keywords(cfg, words, &by_side);
    let objections = find_objections(cfg, words, &by_side, &turns, &turn_of_word);
    let script = check_script(
        cfg,
        words,
        &by_side,
        &turns,
        &turn_of_word,
        &objections,
        duration,
    );

    let in_categories = |cats: &[String], side: Option<Side>| {
        keywords
            .iter()
            .find(|k| cats.contains(&k.category) && side.is_none_or(|s| s == k.side))
            .cloned()
    };
    let complaint_hit = in_categories(&cfg.markers.complaint_categories, Some(Side::Customer))
        .or_else(|| combined_complaint(cfg, &keywords, &turns, &objections));
    let profanity_hit = in_categories(&cfg.markers.profanity_categories, None);
    let agent_profanity = in_categories(&cfg.markers.profanity_categories, Some(Side::Agent));
    let escalation_hit = in_categories(&cfg.markers.escalation_categories, Some(Side::Customer));
    let repeated = repeated_interruptions(&interruptions, cfg);

    let stats = |talk: f64, n: usize, side: Side| SideStats {
        talk_seconds: r2(talk),
        words: n,
        words_per_minute: (talk > 0.0).then(|| r2(n as f64 / (talk / 60.0))),
        longest_monologue_seconds: r2(longest(side)),
    };
    let talk_to_listen = (customer_talk > 0.0).then(|| r2(agent_talk / customer_talk));

    let mut a = Analysis {
        duration_seconds: r2(duration),
        language: cfg.language.clone(),
        partial,
        warnings,
        agent: stats(agent_talk, agent_words, Side::Agent),
        customer: stats(customer_talk, customer_words, Side::Customer),
        talk_to_listen,
        non_talk_seconds: r2(non_talk),
        silences,
        interruptions,
        overtalk_share: if union_talk > 0.0 {
            r3(overlap / union_talk)
        } else {
            0.0
        },
        keywords,
        script,
        objections,
        complaint: complaint_hit.is_some(),
        conflict: profanity_hit.is_some() || escalation_hit.is_some() || repeated.is_some(),
        score: 100,
        reasons: Vec::new(),
        ai: None,
    };

    let (score, reasons) = score(
        &a,
        cfg,
        words.is_empty(),
        Findings {
            complaint: complaint_hit,
            escalation: escalation_hit,
            profanity: profanity_hit,
            agent_profanity,
            repeated_interruptions: repeated,
        },
    );
    a.score = score;
    a.reasons = reasons;
    a
}
