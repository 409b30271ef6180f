//! The conversation metrics computed from word timings, and the quality score built on them.
//!
//! Amazon Transcribe Call Analytics does not support Russian, so the product computes what it
//! would have reported (talk time, non-talk time, interruptions) from standard transcription,
//! and adds what it does not (script compliance, objections, a score with reasons).

use serde::{Deserialize, Serialize};

use super::config::AnalysisConfig;
use super::text::{normalise, Matcher};
use super::transcript::{Labelling, Transcript, Word};

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
    pub side: Side,
    pub at: f64,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub message: String,
    /// Points this took off the score.
    pub points: f64,
}

fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A stretch of time, in seconds.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: f64,
    end: f64,
}

impl Span {
    fn len(&self) -> f64 {
        self.end - self.start
    }
}

/// A turn of one side: `first..=last` index that side's words (see `by_side`).
#[derive(Debug, Clone, Copy)]
struct Turn {
    side: Side,
    start: f64,
    end: f64,
    first: usize,
    last: usize,
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
    let mut by_side: [(Vec<usize>, Vec<&str>); 2] = Default::default();
    for (i, w) in words.iter().enumerate() {
        let k = side_of(w) as usize;
        by_side[k].0.push(i);
        by_side[k].1.push(&norm[i]);
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
    let script = check_script(cfg, words, &by_side, &objections, duration);

    let in_categories = |cats: &[String], side: Option<Side>| {
        keywords
            .iter()
            .find(|k| cats.contains(&k.category) && side.is_none_or(|s| s == k.side))
            .cloned()
    };
    let complaint_hit = in_categories(&cfg.markers.complaint_categories, Some(Side::Customer));
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
    };

    // The score and its reasons.
    let mut reasons = Vec::new();
    let sc = &cfg.scoring;
    if words.is_empty() {
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
            format!("{} objection at {} s was not answered", o.kind, o.at),
            sc.unhandled_objection,
        ));
    }
    if let Some(k) = complaint_hit {
        reasons.push(reason(
            "complaint",
            format!("the customer complained (\"{}\" at {} s)", k.phrase, k.at),
            sc.complaint,
        ));
    }
    if a.conflict {
        let why = if let Some(k) = escalation_hit {
            format!("the customer escalated (\"{}\" at {} s)", k.phrase, k.at)
        } else if let Some(k) = profanity_hit {
            format!("profanity from the {} at {} s", k.side.as_str(), k.at)
        } else if let Some((side, at)) = repeated {
            format!(
                "the {} interrupted {} times within {} s (from {} s)",
                side.as_str(),
                cfg.markers.conflict_interruptions,
                cfg.markers.conflict_window_seconds,
                at
            )
        } else {
            String::new()
        };
        reasons.push(reason("conflict", why, sc.conflict));
    }
    if let Some(k) = agent_profanity {
        reasons.push(reason(
            "agent_profanity",
            format!("the agent used profanity (\"{}\" at {} s)", k.phrase, k.at),
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
    a.score = (100.0 - lost).round().clamp(0.0, 100.0) as u8;
    a.reasons = reasons;
    a
}

fn reason(code: &str, message: String, points: f64) -> Reason {
    Reason {
        code: code.to_string(),
        message,
        points: r2(points),
    }
}

/// Which side each speaker of the transcript is on.
fn resolve_sides(
    t: &Transcript,
    cfg: &AnalysisConfig,
    warnings: &mut Vec<String>,
    partial: &mut bool,
) -> Vec<Side> {
    let agent: Option<usize> = match t.labelling {
        Labelling::Channels => {
            let want = format!("ch_{}", cfg.agent_channel);
            let found = t.speakers.iter().position(|s| *s == want);
            if found.is_none() {
                *partial = true;
                warnings.push(format!(
                    "the agent channel {want} is not in the transcript (channels: {})",
                    t.speakers.join(", ")
                ));
            }
            found
        }
        Labelling::Speakers => {
            let first = t.words.first().map(|w| w.speaker);
            match &cfg.agent_speaker {
                Some(want) => match t.speakers.iter().position(|s| s == want) {
                    Some(i) => Some(i),
                    None => {
                        *partial = true;
                        warnings.push(format!(
                            "the agent speaker {want} is not in the transcript (speakers: {}); \
                             the first speaker to talk is taken as the agent",
                            t.speakers.join(", ")
                        ));
                        first
                    }
                },
                None => first,
            }
        }
        Labelling::Unlabelled => return vec![Side::Agent; t.speakers.len().max(1)],
        Labelling::Roles => t.speakers.iter().position(|s| s == "AGENT"),
    };
    (0..t.speakers.len())
        .map(|i| {
            if Some(i) == agent {
                Side::Agent
            } else {
                Side::Customer
            }
        })
        .collect()
}

/// Merges words (in start order) into stretches of speech.
fn segments<'a>(words: impl Iterator<Item = &'a Word>, gap: f64) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for w in words {
        match out.last_mut() {
            Some(cur) if w.start - cur.end < gap => cur.end = cur.end.max(w.end),
            _ => out.push(Span {
                start: w.start,
                end: w.end,
            }),
        }
    }
    out
}

fn union(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut all: Vec<Span> = a.iter().chain(b).copied().collect();
    all.sort_by(|x, y| x.start.total_cmp(&y.start));
    segments_of_spans(all)
}

fn segments_of_spans(sorted: Vec<Span>) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::with_capacity(sorted.len());
    for s in sorted {
        match out.last_mut() {
            Some(cur) if s.start <= cur.end => cur.end = cur.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

/// Total time covered by both lists (each sorted and non-overlapping).
fn intersection(a: &[Span], b: &[Span]) -> f64 {
    let (mut i, mut j, mut total) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        let lo = a[i].start.max(b[j].start);
        let hi = a[i].end.min(b[j].end);
        if hi > lo {
            total += hi - lo;
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    total
}

/// `by` starts a stretch of speech while the other side is mid-stretch.
fn interruptions_by(
    by: Side,
    other: &[Span],
    mine: &[Span],
    cfg: &AnalysisConfig,
) -> Vec<Interruption> {
    let mut out = Vec::new();
    for m in mine {
        // The other side's last stretch that began strictly before mine.
        let k = other.partition_point(|o| o.start < m.start);
        if k == 0 {
            continue;
        }
        let o = other[k - 1];
        if o.end > m.start {
            let overlap = o.end.min(m.end) - m.start;
            if overlap >= cfg.interruption_min_overlap_seconds && overlap > 0.0 {
                out.push(Interruption {
                    at: r2(m.start),
                    by,
                    overlap_seconds: r2(overlap),
                });
            }
        }
    }
    out
}

/// The first side with `conflict_interruptions` interruptions inside one window, and when.
fn repeated_interruptions(list: &[Interruption], cfg: &AnalysisConfig) -> Option<(Side, f64)> {
    let n = cfg.markers.conflict_interruptions;
    if n == 0 {
        return None;
    }
    for side in [Side::Agent, Side::Customer] {
        let times: Vec<f64> = list.iter().filter(|i| i.by == side).map(|i| i.at).collect();
        for w in times.windows(n) {
            if w[n - 1] - w[0] <= cfg.markers.conflict_window_seconds {
                return Some((side, w[0]));
            }
        }
    }
    None
}

/// Each side's turns, in start order. A side's turn runs on while its pauses are shorter than
/// `pause` and the other side says nothing in them; talking over the other side does not end it.
fn turns(words: &[Word], by_side: &SideWords, pause: f64) -> Vec<Turn> {
    let mut out: Vec<Turn> = Vec::new();
    for side in [Side::Agent, Side::Customer] {
        let mine = &by_side[side as usize].0;
        let other = &by_side[side as usize ^ 1].0;
        let mut cur: Option<Turn> = None;
        for (k, &wi) in mine.iter().enumerate() {
            let w = &words[wi];
            if let Some(t) = cur.as_mut() {
                let other_spoke = {
                    let j = other.partition_point(|&o| words[o].start < t.end);
                    j < other.len() && words[other[j]].start < w.start
                };
                if w.start - t.end < pause && !other_spoke {
                    t.end = t.end.max(w.end);
                    t.last = k;
                    continue;
                }
                out.extend(cur.take());
            }
            cur = Some(Turn {
                side,
                start: w.start,
                end: w.end,
                first: k,
                last: k,
            });
        }
        out.extend(cur);
    }
    out.sort_by(|a, b| a.start.total_cmp(&b.start));
    out
}

type SideWords<'a> = [(Vec<usize>, Vec<&'a str>); 2];

fn spot_keywords(cfg: &AnalysisConfig, words: &[Word], by_side: &SideWords) -> Vec<KeywordHit> {
    let mut m = Matcher::default();
    for (category, phrases) in &cfg.keywords {
        for phrase in phrases {
            m.add(phrase, (category.as_str(), phrase.as_str()));
        }
    }
    let mut out = Vec::new();
    for side in [Side::Agent, Side::Customer] {
        let (idx, toks) = &by_side[side as usize];
        m.scan(toks, |&(category, phrase), i, _| {
            out.push(KeywordHit {
                category: category.to_string(),
                phrase: phrase.to_string(),
                side,
                at: r2(words[idx[i]].start),
            })
        });
    }
    out.sort_by(|a, b| a.at.total_cmp(&b.at));
    out
}

fn find_objections(
    cfg: &AnalysisConfig,
    words: &[Word],
    by_side: &SideWords,
    turns: &[Turn],
    turn_of_word: &[Vec<usize>; 2],
) -> Vec<Objection> {
    let mut m = Matcher::default();
    for (kind, phrases) in &cfg.objections {
        for phrase in phrases {
            m.add(phrase, kind.as_str());
        }
    }
    let (idx, toks) = &by_side[Side::Customer as usize];
    // The first hit of each kind in each customer turn.
    let mut hits: Vec<(usize, &str, usize)> = Vec::new();
    m.scan(toks, |&kind, i, _| {
        let turn = turn_of_word[Side::Customer as usize][i];
        if !hits.iter().any(|&(t, k, _)| t == turn && k == kind) {
            hits.push((turn, kind, idx[i]));
        }
    });
    hits.sort_by_key(|&(_, _, w)| w);

    let mut answers = Matcher::default();
    for phrase in &cfg.objection_handling.phrases {
        answers.add(phrase, ());
    }
    let answered_in = |turn: &Turn| {
        let toks = &by_side[Side::Agent as usize].1[turn.first..=turn.last];
        if toks.len() >= cfg.objection_handling.min_words {
            return true;
        }
        let mut hit = false;
        answers.scan(toks, |_, _, _| hit = true);
        hit
    };
    hits.into_iter()
        .map(|(turn, kind, w)| {
            let until = (turn + cfg.objection_handling.within_turns).min(turns.len() - 1);
            let handled = turns[turn + 1..=until]
                .iter()
                .any(|t| t.side == Side::Agent && answered_in(t));
            Objection {
                kind: kind.to_string(),
                at: r2(words[w].start),
                handled,
            }
        })
        .collect()
}

/// Weights of the stages that apply to this call (an objection stage only with objections).
fn applicable_weights<'a>(
    cfg: &'a AnalysisConfig,
    objections: &'a [Objection],
) -> impl Iterator<Item = f64> + 'a {
    cfg.script
        .iter()
        .filter(move |s| !s.only_if_objection || !objections.is_empty())
        .map(|s| s.weight.max(0.0))
}

fn check_script(
    cfg: &AnalysisConfig,
    words: &[Word],
    by_side: &SideWords,
    objections: &[Objection],
    duration: f64,
) -> Script {
    let mut m = Matcher::default();
    for (s, stage) in cfg.script.iter().enumerate() {
        for phrase in &stage.phrases {
            m.add(phrase, (s, phrase.as_str()));
        }
    }
    let mut hits: Vec<Vec<(f64, &str)>> = vec![Vec::new(); cfg.script.len()];
    let (idx, toks) = &by_side[Side::Agent as usize];
    m.scan(toks, |&(s, phrase), i, _| {
        hits[s].push((words[idx[i]].start, phrase))
    });
    let first_objection = objections
        .iter()
        .map(|o| o.at)
        .fold(f64::INFINITY, f64::min);
    let handled = objections.iter().find(|o| o.handled);

    let mut found_weight = 0.0;
    let mut stages = Vec::with_capacity(cfg.script.len());
    for (s, stage) in cfg.script.iter().enumerate() {
        let mut list = std::mem::take(&mut hits[s]);
        list.sort_by(|a, b| a.0.total_cmp(&b.0));
        let in_window = |t: f64| {
            stage.within_first_seconds.is_none_or(|n| t <= n)
                && stage.within_last_seconds.is_none_or(|n| t >= duration - n)
        };
        let weight = stage.weight.max(0.0);
        let result = if stage.only_if_objection && objections.is_empty() {
            StageResult {
                name: stage.name.clone(),
                found: true,
                at: None,
                reason: "not needed: the customer raised no objection".to_string(),
            }
        } else {
            let usable = list.iter().find(|&&(t, _)| {
                in_window(t) && (!stage.only_if_objection || t >= first_objection)
            });
            match (usable, handled) {
                (Some(&(t, phrase)), _) => {
                    found_weight += weight;
                    StageResult {
                        name: stage.name.clone(),
                        found: true,
                        at: Some(r2(t)),
                        reason: format!("the agent said \"{phrase}\" at {} s", r2(t)),
                    }
                }
                (None, Some(o)) if stage.only_if_objection => {
                    found_weight += weight;
                    StageResult {
                        name: stage.name.clone(),
                        found: true,
                        at: Some(o.at),
                        reason: format!(
                            "the agent answered the {} objection at {} s",
                            o.kind, o.at
                        ),
                    }
                }
                (None, _) => StageResult {
                    name: stage.name.clone(),
                    found: false,
                    at: None,
                    reason: missing_reason(stage, list.first().map(|h| h.0)),
                },
            }
        };
        stages.push(result);
    }
    let total: f64 = applicable_weights(cfg, objections).sum();
    let score = if total > 0.0 {
        (100.0 * found_weight / total).round().clamp(0.0, 100.0) as u8
    } else {
        100
    };
    Script { score, stages }
}

fn missing_reason(stage: &super::config::Stage, said_at: Option<f64>) -> String {
    match said_at {
        None if stage.only_if_objection => {
            "the customer objected and the agent did not answer".to_string()
        }
        None => "the agent said none of its phrases".to_string(),
        Some(t) => match (stage.within_first_seconds, stage.within_last_seconds) {
            (Some(n), _) if t > n => {
                format!("said at {} s, after the first {n} s", r2(t))
            }
            (_, Some(n)) => format!("said at {} s, not in the last {n} s", r2(t)),
            _ => format!("said at {} s, before the customer objected", r2(t)),
        },
    }
}
