//! Conversation metrics from word timings: which side each speaker is on, stretches of speech,
//! their union and overlap, interruptions and turns.

use super::analysis::{Interruption, Side};
use super::config::AnalysisConfig;
use super::text::Tok;
use super::transcript::{Labelling, Transcript, Word};

pub(super) fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub(super) fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A stretch of time, in seconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) start: f64,
    pub(super) end: f64,
}

impl Span {
    pub(super) fn len(&self) -> f64 {
        self.end - self.start
    }
}

/// A turn of one side: `first..=last` index that side's words (see `by_side`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Turn {
    pub(super) side: Side,
    pub(super) start: f64,
    pub(super) end: f64,
    pub(super) first: usize,
    pub(super) last: usize,
}

/// Which side each speaker of the transcript is on.
pub(super) fn resolve_sides(
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
pub(super) fn segments<'a>(words: impl Iterator<Item = &'a Word>, gap: f64) -> Vec<Span> {
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

pub(super) fn union(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut all: Vec<Span> = a.iter().chain(b).copied().collect();
    all.sort_by(|x, y| x.start.total_cmp(&y.start));
    segments_of_spans(all)
}

pub(super) fn segments_of_spans(sorted: Vec<Span>) -> Vec<Span> {
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
pub(super) fn intersection(a: &[Span], b: &[Span]) -> f64 {
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
pub(super) fn interruptions_by(
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

/// `conflict_interruptions` interruptions inside one window, and from when: by one side first
/// (`Some(side)`), else by both in turn (`None`: they talked over each other).
pub(super) fn repeated_interruptions(
    list: &[Interruption],
    cfg: &AnalysisConfig,
) -> Option<(Option<Side>, f64)> {
    let n = cfg.markers.conflict_interruptions;
    if n == 0 {
        return None;
    }
    let first_window = |times: &[f64]| {
        times
            .windows(n)
            .find(|w| w[n - 1] - w[0] <= cfg.markers.conflict_window_seconds)
            .map(|w| w[0])
    };
    for side in [Side::Agent, Side::Customer] {
        let times: Vec<f64> = list.iter().filter(|i| i.by == side).map(|i| i.at).collect();
        if let Some(at) = first_window(&times) {
            return Some((Some(side), at));
        }
    }
    let times: Vec<f64> = list.iter().map(|i| i.at).collect();
    first_window(&times).map(|at| (None, at))
}

/// Each side's turns, in start order. A side's turn runs on while its pauses are shorter than
/// `pause` and the other side says nothing in them; talking over the other side does not end it.
pub(super) fn turns(words: &[Word], by_side: &SideWords, pause: f64) -> Vec<Turn> {
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

pub(super) type SideWords<'a> = [(Vec<usize>, Vec<Tok<'a>>); 2];
