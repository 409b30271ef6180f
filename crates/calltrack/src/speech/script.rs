//! What was said: keywords by category, objections and whether they were answered, and the
//! script's stages.

use super::analysis::{KeywordHit, Objection, Script, Side, StageResult};
use super::config::AnalysisConfig;
use super::metrics::{r2, SideWords, Turn};
use super::text::Matcher;
use super::transcript::Word;

pub(super) fn spot_keywords(
    cfg: &AnalysisConfig,
    words: &[Word],
    by_side: &SideWords,
) -> Vec<KeywordHit> {
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

pub(super) fn find_objections(
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
pub(super) fn applicable_weights<'a>(
    cfg: &'a AnalysisConfig,
    objections: &'a [Objection],
) -> impl Iterator<Item = f64> + 'a {
    cfg.script
        .iter()
        .filter(move |s| !s.only_if_objection || !objections.is_empty())
        .map(|s| s.weight.max(0.0))
}

pub(super) fn check_script(
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

pub(super) fn missing_reason(stage: &super::config::Stage, said_at: Option<f64>) -> String {
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
