//! What was said: keywords by category, objections and whether they were answered, and the
//! script's stages.

use std::collections::BTreeMap;

use super::analysis::{KeywordHit, Objection, Script, Side, StageResult};
use super::config::AnalysisConfig;
use super::metrics::{r2, SideWords, Turn};
use super::text::{amounts, Matcher, Tok};
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
        m.scan(toks, |&(category, phrase), i, n| {
            out.push(KeywordHit {
                category: category.to_string(),
                phrase: phrase.to_string(),
                said: said(words, idx, i, i + n - 1)
                    .trim_end_matches(|c| CLAUSE_MARKS.contains(c))
                    .to_string(),
                side,
                at: r2(words[idx[i]].start),
            })
        });
    }
    out.sort_by(|a, b| a.at.total_cmp(&b.at));
    out
}

/// Cue kinds marked on the customer's words (bits of [`cue_marks`]).
const NEGATION: u8 = 1;
const POLAR: u8 = 2;
const HEDGE: u8 = 4;
const APPROVAL: u8 = 8;
const CONTRAST: u8 = 16;

/// Which resistance cues cover each word of one side.
fn cue_marks(cfg: &AnalysisConfig, toks: &[Tok<'_>]) -> Vec<u8> {
    let r = &cfg.resistance;
    let mut m = Matcher::default();
    for (bit, list) in [
        (NEGATION, &r.negations),
        (POLAR, &r.polar),
        (HEDGE, &r.hedges),
        (APPROVAL, &r.approval),
        (CONTRAST, &r.contrast),
    ] {
        for phrase in list {
            m.add(phrase, bit);
        }
    }
    let mut marks = vec![0u8; toks.len()];
    m.scan(toks, |&bit, i, n| {
        for mark in &mut marks[i..i + n] {
            *mark |= bit;
        }
    });
    marks
}

/// The punctuation Transcribe writes after a word that ends a clause.
const CLAUSE_MARKS: &str = ".,?!;:";

/// Ends a clause: the punctuation Transcribe wrote after a word.
fn ends_clause(w: &Word) -> bool {
    w.punct.is_some_and(|c| CLAUSE_MARKS.contains(c))
}

/// Ends a sentence: a full stop, question or exclamation mark (or a semicolon).
fn ends_sentence(w: &Word) -> bool {
    w.punct.is_some_and(|c| ".?!;".contains(c))
}

/// The clause (side-word indices, inclusive) around words `i..i + n` inside `turn`.
fn clause(words: &[Word], idx: &[usize], turn: &Turn, i: usize, n: usize) -> (usize, usize) {
    span(words, idx, turn, i, n, ends_clause)
}

/// The words around `i..i + n` inside `turn` up to the marks `ends` says end a span.
fn span(
    words: &[Word],
    idx: &[usize],
    turn: &Turn,
    i: usize,
    n: usize,
    ends: fn(&Word) -> bool,
) -> (usize, usize) {
    let mut start = i;
    while start > turn.first && !ends(&words[idx[start - 1]]) {
        start -= 1;
    }
    let mut end = (i + n - 1).min(turn.last);
    while end < turn.last && !ends(&words[idx[end]]) {
        end += 1;
    }
    (start, end)
}

/// The words of side indices `from..=to`, as they were said.
pub(super) fn said(words: &[Word], idx: &[usize], from: usize, to: usize) -> String {
    let mut out = String::new();
    for &w in &idx[from..=to] {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&words[w].text);
        out.extend(words[w].punct);
    }
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
    let contextual = !cfg.resistance.is_empty();
    let marks = if contextual {
        cue_marks(cfg, toks)
    } else {
        Vec::new()
    };
    let contexts: BTreeMap<&str, Matcher<()>> = cfg
        .resistance
        .context
        .iter()
        .map(|(kind, phrases)| {
            let mut m = Matcher::default();
            for phrase in phrases {
                m.add(phrase, ());
            }
            (kind.as_str(), m)
        })
        .collect();
    let agent_asked = |turn: usize| {
        turn > 0
            && turns[turn - 1].side == Side::Agent
            && words[by_side[Side::Agent as usize].0[turns[turn - 1].last]].punct == Some('?')
    };
    // When the agent first said a figure: kinds of `after_figure` object only from then on.
    let (agent_idx, agent_toks) = &by_side[Side::Agent as usize];
    let first_figure = agent_toks
        .iter()
        .position(|t| t.number)
        .map_or(f64::INFINITY, |k| words[agent_idx[k]].start);
    // The first resisting hit of each kind in each customer turn: (turn, kind, word, clause).
    let mut hits: Vec<(usize, &str, usize, (usize, usize))> = Vec::new();
    m.scan(toks, |&kind, i, n| {
        if words[idx[i]].start < first_figure
            && cfg.resistance.after_figure.iter().any(|k| k == kind)
        {
            return;
        }
        let turn = turn_of_word[Side::Customer as usize][i];
        if hits.iter().any(|&(t, k, _, _)| t == turn && k == kind) {
            return;
        }
        let (from, to) = clause(words, idx, &turns[turn], i, n);
        if contextual {
            let bits = marks[from..=to].iter().fold(0, |a, &b| a | b);
            let (s_from, s_to) = span(words, idx, &turns[turn], i, n, ends_sentence);
            let hedged = marks[s_from..=s_to].iter().any(|&b| b & HEDGE != 0);
            let (neg, polar) = (bits & NEGATION != 0, bits & POLAR != 0);
            let question = words[idx[to]].punct == Some('?');
            let mut corroborated = false;
            if let Some(c) = contexts.get(kind) {
                c.scan(&toks[s_from..=s_to], |_, _, _| corroborated = true);
            }
            let resists = hedged
                || corroborated
                || (polar && !neg)
                || (!agent_asked(turn) && ((neg && !polar) || question));
            // An approving word earlier in the turn takes back a mild objection ("Great,
            // that's cheaper than I expected"), not a hedge ("Okay. I'll talk to my husband"),
            // and not when a contrast follows it, up to the objection's own words ("It looks
            // good, but our budget doesn't start until April").
            let mut approved = false;
            for &mark in &marks[turns[turn].first..from] {
                if mark & APPROVAL != 0 {
                    approved = true;
                }
                if mark & CONTRAST != 0 {
                    approved = false;
                }
            }
            if marks[from..i].iter().any(|&b| b & CONTRAST != 0) {
                approved = false;
            }
            if !resists || (approved && !hedged) {
                return;
            }
        }
        hits.push((turn, kind, i, (from, to)));
    });
    // One clause, one objection when a kind of `precedence` is among its kinds.
    let rank = |kind: &str| cfg.resistance.precedence.iter().position(|k| k == kind);
    let winner = |turn: usize, clause: (usize, usize)| {
        hits.iter()
            .filter(|h| h.0 == turn && h.3 == clause)
            .filter_map(|h| rank(h.1))
            .min()
    };
    let keep: Vec<bool> = hits
        .iter()
        .map(|h| winner(h.0, h.3).is_none_or(|w| rank(h.1) == Some(w)))
        .collect();
    let mut keep = keep.into_iter();
    hits.retain(|_| keep.next().unwrap_or(true));
    if contextual {
        hits.extend(echoed_figures(cfg, words, by_side, turns, &marks, &hits));
        let figures = Figures {
            turns,
            marks: &marks,
            contexts: &contexts,
            agent_asked: &agent_asked,
        };
        hits.extend(lower_figures(cfg, words, by_side, &figures, &hits));
    }
    hits.sort_by_key(|&(_, _, i, _)| i);

    let matcher_of = |phrases: &[String]| {
        let mut m = Matcher::default();
        for phrase in phrases {
            m.add(phrase, ());
        }
        m
    };
    let generic = matcher_of(&cfg.objection_handling.phrases);
    let families: BTreeMap<&str, Matcher<()>> = cfg
        .objection_handling
        .families
        .iter()
        .map(|(kind, phrases)| (kind.as_str(), matcher_of(phrases)))
        .collect();
    // The agent's clause that answers `kind` in this turn, if any.
    let answer_in = |turn: &Turn, kind: &str| -> Option<String> {
        let toks = &agent_toks[turn.first..=turn.last];
        let family = families.get(kind);
        let mut at = None;
        family.unwrap_or(&generic).scan(toks, |_, i, n| {
            at.get_or_insert((turn.first + i, n));
        });
        if let Some((i, n)) = at {
            let (from, to) = clause(words, agent_idx, turn, i, n);
            return Some(said(words, agent_idx, from, to));
        }
        let min = cfg.objection_handling.min_words;
        (family.is_none() && min > 0 && toks.len() >= min)
            .then(|| said(words, agent_idx, turn.first, turn.last))
    };
    hits.into_iter()
        .map(|(turn, kind, i, (from, to))| {
            let until = (turn + cfg.objection_handling.within_turns).min(turns.len() - 1);
            let answer = turns[turn + 1..=until]
                .iter()
                .filter(|t| t.side == Side::Agent)
                .find_map(|t| answer_in(t, kind));
            Objection {
                kind: kind.to_string(),
                at: r2(words[idx[i]].start),
                handled: answer.is_some(),
                said: said(words, idx, from, to),
                answer,
            }
        })
        .collect()
}

/// Objections of the `resistance.echo` kind where the customer's turn opens by echoing a figure
/// as a question or exclamation right after the agent spoke ("Six hundred? That's well over
/// what I can spend."), unless the rest of the turn approves it without a hedge ("Ninety five?
/// Oh, that's fine."). Turns already holding that kind are left alone.
fn echoed_figures<'k>(
    cfg: &'k AnalysisConfig,
    words: &[Word],
    by_side: &SideWords,
    turns: &[Turn],
    marks: &[u8],
    found: &[(usize, &str, usize, (usize, usize))],
) -> Vec<(usize, &'k str, usize, (usize, usize))> {
    let kind = cfg.resistance.echo.as_str();
    if !cfg.objections.contains_key(kind) {
        return vec![];
    }
    let (idx, toks) = &by_side[Side::Customer as usize];
    let mut out = vec![];
    for (t, turn) in turns.iter().enumerate() {
        if turn.side != Side::Customer
            || t == 0
            || turns[t - 1].side != Side::Agent
            || found.iter().any(|&(ft, k, _, _)| ft == t && k == kind)
        {
            continue;
        }
        let (from, to) = span(words, idx, turn, turn.first, 1, ends_sentence);
        let echo = &toks[from..=to];
        let unit = |w: &str| cfg.resistance.echo_units.iter().any(|u| u == w);
        if !matches!(words[idx[to]].punct, Some('?' | '!'))
            || !echo.iter().any(|w| w.number)
            || !echo.iter().all(|w| w.number || unit(w.word))
        {
            continue;
        }
        // What follows the echo in the turn: an approval not taken back, and no hedge, accepts.
        let (mut approved, mut hedged) = (false, false);
        for &mark in &marks[(to + 1).min(turn.last + 1)..=turn.last] {
            approved = (approved || mark & APPROVAL != 0) && mark & CONTRAST == 0;
            hedged |= mark & (HEDGE | NEGATION | POLAR) != 0;
        }
        if approved && !hedged {
            continue;
        }
        let said_to = if to < turn.last {
            span(words, idx, turn, to + 1, 1, ends_sentence).1
        } else {
            to
        };
        out.push((t, kind, from, (from, said_to)));
    }
    out
}

/// The least amount [`lower_figures`] takes for the agent's figure: under it, a number is far
/// more often a time, a day or a count than a price.
const MIN_FIGURE: f64 = 25.0;

/// What [`lower_figures`] reads beside the words: the turns, the customer's cue marks, the
/// context matchers by kind, and whether the agent's turn before a turn asked a question.
struct Figures<'a, 'k> {
    turns: &'a [Turn],
    marks: &'a [u8],
    contexts: &'a BTreeMap<&'k str, Matcher<()>>,
    agent_asked: &'a dyn Fn(usize) -> bool,
}

/// Objections where the customer, after the agent's figure, names a lower one: what they hoped
/// to pay or what someone else asked ("I was hoping for more like fifty", "we were thinking
/// nearer eight" after twelve thousand). A figure said without its "thousand" is read at the
/// agent's scale; a figure under 0.3 of the agent's is a time or a count ("after two"), not a
/// counter-offer. The `resistance.counter` kind is raised, or the kind whose context words the
/// sentence holds (a competitor's quote); not when the sentence is approved without a hedge,
/// answers the agent's question, or its turn already objects there or of that kind.
fn lower_figures<'k>(
    cfg: &'k AnalysisConfig,
    words: &[Word],
    by_side: &SideWords,
    f: &Figures<'_, 'k>,
    found: &[(usize, &'k str, usize, (usize, usize))],
) -> Vec<(usize, &'k str, usize, (usize, usize))> {
    let counter = cfg.resistance.counter.as_str();
    let Some((counter, _)) = cfg.objections.get_key_value(counter) else {
        return vec![];
    };
    let agent_said = amounts(&by_side[Side::Agent as usize].1);
    let (idx, toks) = &by_side[Side::Customer as usize];
    let customer_said = amounts(toks);
    let within = |a: &&(usize, usize, f64), turn: &Turn| a.0 >= turn.first && a.1 <= turn.last;
    let agent_start = |a: &(usize, usize, f64)| words[by_side[Side::Agent as usize].0[a.0]].start;
    let mut figure: Option<f64> = None;
    let mut out: Vec<(usize, &'k str, usize, (usize, usize))> = vec![];
    for (t, turn) in f.turns.iter().enumerate() {
        if turn.side == Side::Agent {
            // A price, not a time or a count: "the engineer can be there at nine" is no figure
            // a customer's "could he come at eight?" undercuts.
            let largest = agent_said
                .iter()
                .filter(|a| within(a, turn) && a.2 >= MIN_FIGURE)
                .map(|a| a.2)
                .reduce(f64::max);
            figure = largest.or(figure);
            continue;
        }
        let Some(quoted) = figure.filter(|q| *q > 0.0) else {
            continue;
        };
        if (f.agent_asked)(t) {
            continue;
        }
        for &(from, to, said) in customer_said.iter().filter(|a| within(a, turn)) {
            // The agent's own number said back ("twenty four hours would help") is no offer.
            if agent_said
                .iter()
                .any(|a| a.2 == said && agent_start(a) < turn.start)
            {
                continue;
            }
            let scaled = said * 1e3;
            let value = if (scaled / quoted).ln().abs() < (said / quoted).ln().abs() {
                scaled
            } else {
                said
            };
            if !(0.3..0.95).contains(&(value / quoted)) {
                continue;
            }
            let (s_from, s_to) = span(words, idx, turn, from, to - from + 1, ends_sentence);
            let mut approved = false;
            for &mark in &f.marks[turn.first..=s_to] {
                approved = (approved || mark & APPROVAL != 0) && mark & CONTRAST == 0;
            }
            let hedged = f.marks[s_from..=s_to].iter().any(|&b| b & HEDGE != 0);
            if approved && !hedged {
                continue;
            }
            let mut kind: &'k str = counter;
            for (&k, m) in f.contexts.iter().filter(|(&k, _)| k != counter) {
                let mut hit = false;
                m.scan(&toks[s_from..=s_to], |_, _, _| hit = true);
                if hit {
                    kind = k;
                    break;
                }
            }
            let taken = found
                .iter()
                .chain(&out)
                .any(|&(ft, fk, _, (c_from, c_to))| {
                    ft == t && (fk == kind || (c_from <= s_to && c_to >= s_from))
                });
            if !taken {
                out.push((t, kind, from, (s_from, s_to)));
            }
        }
    }
    out
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
    turns: &[Turn],
    turn_of_word: &[Vec<usize>; 2],
    objections: &[Objection],
    duration: f64,
) -> Script {
    let mut m = Matcher::default();
    for (s, stage) in cfg.script.iter().enumerate() {
        for phrase in &stage.phrases {
            m.add(phrase, s);
        }
    }
    let (idx, toks) = &by_side[Side::Agent as usize];
    let clause_at = |i: usize, n: usize| {
        let turn = &turns[turn_of_word[Side::Agent as usize][i]];
        clause(words, idx, turn, i, n)
    };
    // Per stage: (time, the agent's clause), from its phrases and, where the stage takes
    // them, the agent's questions; a clause with one of the stage's exceptions is dropped.
    let mut clauses: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); cfg.script.len()];
    m.scan(toks, |&s, i, n| {
        let (from, to) = clause_at(i, n);
        clauses[s].push((i, from, to));
    });
    for (s, stage) in cfg.script.iter().enumerate() {
        if stage.questions {
            for (i, &w) in idx.iter().enumerate() {
                if words[w].punct == Some('?') {
                    let (from, to) = clause_at(i, 1);
                    clauses[s].push((from, from, to));
                }
            }
        }
    }
    let mut hits: Vec<Vec<(f64, String)>> = vec![Vec::new(); cfg.script.len()];
    for (s, stage) in cfg.script.iter().enumerate() {
        let mut except = Matcher::default();
        for phrase in &stage.except {
            except.add(phrase, ());
        }
        for &(i, from, to) in &clauses[s] {
            let mut excluded = false;
            except.scan(&toks[from..=to], |_, _, _| excluded = true);
            if !excluded {
                hits[s].push((words[idx[i]].start, said(words, idx, from, to)));
            }
        }
    }
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
        let list: Vec<(f64, &str)> = list.iter().map(|(t, w)| (*t, w.as_str())).collect();
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
