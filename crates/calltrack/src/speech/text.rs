//! Word and phrase matching that survives inflection: "цена" finds "цену" and "ценами",
//! "price" finds "prices" and "pricing", case and ё/е aside.
//!
//! A phrase is a sequence of tokens matched against consecutive words of one side. A token is
//! one of:
//! - `stem*`: any word that starts with `stem` (the explicit prefix rule);
//! - a word of at most 3 letters: that word exactly ("нет", "no");
//! - a Cyrillic word: its stem (the word minus the longest common Russian ending that leaves at
//!   least 3 letters) followed by at most 4 more letters;
//! - any other word: the word itself, or it (or its stem without a final `e`/`y`) followed by an
//!   English ending (`s`, `es`, `'s`, `ed`, `d`, `ing`, `ly`, `er`, `ies`, `ied`).

use std::collections::HashMap;

/// Lower-cases, folds ё to е and ’ to ', and drops every character that is not a letter, a
/// digit, `'`, `-` or `*`.
pub fn normalise(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'ё' | 'Ё' => out.push('е'),
            '’' | '`' | 'ʼ' => out.push('\''),
            c if c.is_alphanumeric() => {
                if c.is_ascii() {
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.extend(c.to_lowercase());
                }
            }
            '\'' | '-' | '*' => out.push(c),
            _ => {}
        }
    }
    // A word ending in a hyphen or apostrophe is punctuation residue.
    while out.ends_with(['-', '\'']) {
        out.pop();
    }
    out
}

/// Russian inflectional endings, longest first.
const RU_ENDINGS: &[&str] = &[
    "иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ешь", "ишь", "ете", "ите",
    "ует", "уют", "ают", "яют", "ает", "яет", "ала", "ила", "ать", "ять", "ить", "еть", "ой", "ей",
    "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие", "ую", "юю", "ом", "ем", "ам", "ям", "ах", "ях",
    "ов", "ев", "ия", "ию", "ии", "ть", "ют", "ят", "ут", "ат", "ет", "ит", "ал", "ил", "ю", "у",
    "а", "я", "о", "е", "ы", "и", "ь", "й",
];

const EN_SUFFIXES: &[&str] = &["s", "es", "'s", "ed", "d", "ing", "ly", "er", "ies", "ied"];

fn is_cyrillic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// One token of a phrase, compiled.
#[derive(Debug, Clone)]
enum Token {
    Exact(String),
    Prefix(String),
    /// Cyrillic stem plus at most 4 letters.
    RuStem(String),
    /// English word plus a known ending.
    En {
        word: String,
        stem: String,
    },
}

impl Token {
    fn compile(raw: &str) -> Option<Token> {
        let t = normalise(raw);
        if let Some(stem) = t.strip_suffix('*') {
            let stem = stem.trim_end_matches('*');
            return (!stem.is_empty()).then(|| Token::Prefix(stem.to_string()));
        }
        let t = t.replace('*', "");
        if t.is_empty() {
            return None;
        }
        let letters = t.chars().count();
        if letters <= 3 || t.chars().any(|c| c.is_ascii_digit()) {
            return Some(Token::Exact(t));
        }
        if is_cyrillic(&t) {
            Some(Token::RuStem(ru_stem(&t).to_string()))
        } else {
            let stem = t
                .strip_suffix('e')
                .map(str::to_string)
                .or_else(|| t.strip_suffix('y').map(|s| format!("{s}i")))
                .unwrap_or_else(|| t.clone());
            Some(Token::En { word: t, stem })
        }
    }

    fn first_char(&self) -> Option<char> {
        match self {
            Token::Exact(s) | Token::Prefix(s) | Token::RuStem(s) => s.chars().next(),
            Token::En { word, .. } => word.chars().next(),
        }
    }

    fn matches(&self, w: &str) -> bool {
        match self {
            Token::Exact(s) => w == s,
            Token::Prefix(s) => w.starts_with(s.as_str()),
            Token::RuStem(stem) => {
                w.starts_with(stem.as_str()) && w[stem.len()..].chars().count() <= 4
            }
            Token::En { word, stem } => {
                let ends_known = |base: &str| {
                    w.strip_prefix(base)
                        .is_some_and(|rest| rest.is_empty() || EN_SUFFIXES.contains(&rest))
                };
                ends_known(word) || ends_known(stem)
            }
        }
    }
}

/// The stem of a normalised Cyrillic word: the longest known ending removed, keeping at least
/// three letters.
pub fn ru_stem(word: &str) -> &str {
    let letters = word.chars().count();
    for e in RU_ENDINGS {
        if let Some(stem) = word.strip_suffix(e) {
            if letters - e.chars().count() >= 3 {
                return stem;
            }
        }
    }
    word
}

/// A phrase of the configuration, compiled for matching.
#[derive(Debug, Clone)]
struct Pattern {
    tokens: Vec<Token>,
}

/// Many phrases, each with a caller's tag, matched in one pass over a word sequence.
#[derive(Debug, Clone)]
pub struct Matcher<T> {
    patterns: Vec<(Pattern, T)>,
    /// Patterns by the first character of their first token.
    by_first: HashMap<char, Vec<usize>>,
}

impl<T> Default for Matcher<T> {
    fn default() -> Self {
        Self {
            patterns: Vec::new(),
            by_first: HashMap::new(),
        }
    }
}

impl<T> Matcher<T> {
    /// Adds a phrase (words separated by spaces); an empty phrase is ignored.
    pub fn add(&mut self, phrase: &str, tag: T) {
        let tokens: Vec<Token> = phrase
            .split_whitespace()
            .filter_map(Token::compile)
            .collect();
        let Some(first) = tokens.first().and_then(Token::first_char) else {
            return;
        };
        self.by_first
            .entry(first)
            .or_default()
            .push(self.patterns.len());
        self.patterns.push((Pattern { tokens }, tag));
    }

    /// Calls `found(tag, first_word_index, word_count)` for every phrase that matches starting
    /// at any word of `words` (normalised words, in spoken order).
    pub fn scan<S: AsRef<str>>(&self, words: &[S], mut found: impl FnMut(&T, usize, usize)) {
        if self.patterns.is_empty() {
            return;
        }
        for i in 0..words.len() {
            let Some(c) = words[i].as_ref().chars().next() else {
                continue;
            };
            let Some(candidates) = self.by_first.get(&c) else {
                continue;
            };
            for &p in candidates {
                let (pat, tag) = &self.patterns[p];
                let n = pat.tokens.len();
                if i + n > words.len() {
                    continue;
                }
                if pat
                    .tokens
                    .iter()
                    .zip(&words[i..i + n])
                    .all(|(t, w)| t.matches(w.as_ref()))
                {
                    found(tag, i, n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(phrase: &str, words: &str) -> bool {
        let mut matcher = Matcher::default();
        matcher.add(phrase, ());
        let ws: Vec<String> = words.split_whitespace().map(normalise).collect();
        let mut hit = false;
        matcher.scan(&ws, |_, _, _| hit = true);
        hit
    }

    #[test]
    fn russian_nouns_match_in_every_case() {
        for w in ["цена", "цены", "цену", "ценой", "ценами", "ЦЕНАХ"] {
            assert!(m("цена", w), "{w}");
        }
        assert!(!m("цена", "ценность"));
    }

    #[test]
    fn yo_and_ye_are_the_same_letter() {
        assert!(m("всё хорошо", "Все хорошо"));
        assert!(m("все", "всё"));
    }

    #[test]
    fn explicit_prefix_matches_any_ending() {
        assert!(m("дорог*", "дороговато"));
        assert!(m("подума*", "подумаю"));
        assert!(!m("дорог*", "дешево"));
    }

    #[test]
    fn english_words_match_with_regular_endings() {
        assert!(m("price", "prices"));
        assert!(m("price", "pricing"));
        assert!(m("company", "companies"));
        assert!(m("call back", "called back"));
        assert!(!m("price", "prick"));
    }

    #[test]
    fn short_words_match_exactly() {
        assert!(m("no", "No!"));
        assert!(!m("no", "not"));
        assert!(!m("нет", "нетто"));
    }

    #[test]
    fn phrases_need_consecutive_words() {
        assert!(m("добрый день", "ну добрый день вам"));
        assert!(!m("добрый день", "добрый вечер день"));
    }

    #[test]
    fn punctuation_is_not_part_of_a_word() {
        assert_eq!(normalise("Hello,"), "hello");
        assert_eq!(normalise("«Ёлки»"), "елки");
        assert_eq!(normalise("I’ve"), "i've");
    }
}
