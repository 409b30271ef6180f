//! Written dialogues turned into what Amazon Transcribe returns for a two-channel recording, so
//! the demo and the labelled evaluation set (crates/calltrack/tests/speech-eval/) go through the
//! same parser and analyser as a real call.
//!
//! The script format, one call per block:
//! ```text
//! == ru-01-windows | ru-RU | greeting offer price:handled
//! A: Добрый день, компания Светлые окна.
//! C+6: Здравствуйте.        (after a 6 s pause)
//! A-1.2: Да-да, конечно.    (starts 1.2 s before the customer's line ends: talks over it)
//! ```
//! Lines starting with `#` and blank lines are ignored.

use serde_json::{json, Value};

use super::analysis::Side;

/// One line of a dialogue: who, when it starts (seconds into the call), what was said.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub side: Side,
    pub start: f64,
    pub text: String,
}

/// A dialogue from a script: its id, language, the labels a listener gave it, and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Dialogue {
    pub id: String,
    pub language: String,
    pub labels: Vec<String>,
    pub lines: Vec<Line>,
}

/// Seconds one word takes at the generator's pace (about 150 words a minute).
fn word_seconds(word: &str) -> f64 {
    0.12 + 0.055 * word.chars().count() as f64
}

const WORD_GAP: f64 = 0.08;
/// The pause between two lines when the script names none.
const LINE_GAP: f64 = 0.6;

/// A word as [`transcribe_json`] times it: without the punctuation that follows it.
fn bare(word: &str) -> &str {
    word.trim_end_matches(|c: char| ".,?!;:".contains(c))
}

/// Seconds a line takes to say, from its first word's start to its last word's end, exactly as
/// [`transcribe_json`] times its words: so `C-0.4:` overlaps the line before by 0.4 s.
pub fn spoken_seconds(text: &str) -> f64 {
    let words: Vec<&str> = text
        .split_whitespace()
        .map(bare)
        .filter(|w| !w.is_empty())
        .collect();
    let gaps = words.len().saturating_sub(1) as f64 * WORD_GAP;
    words.iter().map(|w| word_seconds(w)).sum::<f64>() + gaps
}

/// Parses a script of dialogues; an error names the line and what is wrong with it.
pub fn parse_script(text: &str) -> Result<Vec<Dialogue>, String> {
    let mut out: Vec<Dialogue> = Vec::new();
    let mut end = 0.0_f64;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let at = || format!("line {}", n + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(head) = line.strip_prefix("==") {
            let parts: Vec<&str> = head.split('|').map(str::trim).collect();
            let [id, language, labels] = parts[..] else {
                return Err(format!("{}: a header is `== id | language | labels`", at()));
            };
            out.push(Dialogue {
                id: id.to_string(),
                language: language.to_string(),
                labels: labels.split_whitespace().map(str::to_string).collect(),
                lines: Vec::new(),
            });
            end = 0.0;
            continue;
        }
        let Some(dialogue) = out.last_mut() else {
            return Err(format!("{}: a line before the first `==` header", at()));
        };
        let Some((who, said)) = line.split_once(':') else {
            return Err(format!("{}: expected `A:` or `C:`", at()));
        };
        let side = match who.chars().next() {
            Some('A') => Side::Agent,
            Some('C') => Side::Customer,
            _ => return Err(format!("{}: a line is said by A or C", at())),
        };
        let offset = match who[1..].trim() {
            "" => LINE_GAP,
            s => s
                .parse::<f64>()
                .map_err(|_| format!("{}: `{s}` is not a number of seconds", at()))?,
        };
        let text = said.trim().to_string();
        if text.is_empty() {
            return Err(format!("{}: the line says nothing", at()));
        }
        let start = (end + offset).max(0.0);
        end = end.max(start + spoken_seconds(&text));
        dialogue.lines.push(Line { side, start, text });
    }
    Ok(out)
}

/// A two-channel Amazon Transcribe output (channel identification, the agent on `ch_0`) for
/// a dialogue: each word timed at the generator's pace, trailing punctuation as untimed items.
pub fn transcribe_json(lines: &[Line], language: &str) -> Value {
    let mut channels: [Vec<Value>; 2] = [vec![], vec![]];
    let mut text = vec![];
    for line in lines {
        let ch = &mut channels[line.side as usize];
        let mut t = line.start;
        for word in line.text.split_whitespace() {
            let w = bare(word);
            let punct = word[w.len()..].chars().next();
            if w.is_empty() {
                continue;
            }
            let end = t + word_seconds(w);
            ch.push(
                json!({"start_time": format!("{t:.2}"), "end_time": format!("{end:.2}"),
                "alternatives": [{"confidence": "0.98", "content": w}], "type": "pronunciation"}),
            );
            if let Some(p) = punct {
                ch.push(
                    json!({"alternatives": [{"confidence": "0.0", "content": p.to_string()}],
                    "type": "punctuation"}),
                );
            }
            t = end + WORD_GAP;
        }
        text.push(line.text.as_str());
    }
    json!({"jobName": "dialogue", "status": "COMPLETED", "results": {
        "language_code": language,
        "transcripts": [{"transcript": text.join(" ")}],
        "channel_labels": {"number_of_channels": 2, "channels": [
            {"channel_label": "ch_0", "items": channels[0]},
            {"channel_label": "ch_1", "items": channels[1]},
        ]},
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_times_pauses_and_overlaps() {
        let d = parse_script(
            "# c\n== x | en-US | greeting\nA: Hello there.\nC+5: Hi.\nA-0.5: Sorry?\n",
        )
        .unwrap();
        let l = &d[0].lines;
        assert_eq!(d[0].labels, ["greeting"]);
        assert_eq!(l[0].start, LINE_GAP);
        let first_end = l[0].start + spoken_seconds("Hello there.");
        assert!((l[1].start - (first_end + 5.0)).abs() < 1e-9);
        let second_end = l[1].start + spoken_seconds("Hi.");
        assert!((l[2].start - (second_end - 0.5)).abs() < 1e-9);
        assert_eq!(l[2].side, Side::Agent);
    }

    #[test]
    fn a_line_written_to_overlap_by_four_tenths_overlaps_the_last_word_by_four_tenths() {
        let d = parse_script("== x | en-US | -\nA: Can I just ask you to check the\nC-0.4: No!\n")
            .unwrap();
        let json = transcribe_json(&d[0].lines, "en-US");
        let end = |ch: usize, last: bool| -> f64 {
            let items = json["results"]["channel_labels"]["channels"][ch]["items"]
                .as_array()
                .unwrap();
            let words: Vec<_> = items
                .iter()
                .filter(|i| i["type"] == "pronunciation")
                .collect();
            let w = if last {
                words[words.len() - 1]
            } else {
                words[0]
            };
            let key = if last { "end_time" } else { "start_time" };
            w[key].as_str().unwrap().parse().unwrap()
        };
        assert!((end(0, true) - end(1, false) - 0.4).abs() < 0.011);
    }

    #[test]
    fn a_bad_script_names_its_line() {
        assert_eq!(
            parse_script("A: hi").unwrap_err(),
            "line 1: a line before the first `==` header"
        );
        let e = parse_script("== x | en-US | a\nB: hi").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        let e = parse_script("== x | en-US | a\nA+x: hi").unwrap_err();
        assert!(e.contains("`+x`"), "{e}");
    }

    #[test]
    fn the_json_reads_back_as_two_channels() {
        let lines = vec![
            Line {
                side: Side::Agent,
                start: 0.5,
                text: "Hello, world.".into(),
            },
            Line {
                side: Side::Customer,
                start: 2.0,
                text: "Hi!".into(),
            },
        ];
        let bytes = serde_json::to_vec(&transcribe_json(&lines, "en-US")).unwrap();
        let t = super::super::parse(&bytes).unwrap();
        let words: Vec<&str> = t.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["Hello", "world", "Hi"]);
        assert_eq!(t.words[0].start, 0.5);
        assert_ne!(t.words[0].speaker, t.words[2].speaker);
    }
}
