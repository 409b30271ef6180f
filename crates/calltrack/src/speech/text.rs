//! Word and phrase matching that survives inflection: "цена" finds "цену" and "ценами",
//! "price" finds "prices" and "pricing", case and ё/е aside.
//!
//! A phrase is a sequence of tokens matched against consecutive words of one side. A token is
//! one of:
//! - `stem*`: any word that starts with `stem` (the explicit prefix rule);
//! - a word of at most 3 letters, or with a digit: that word exactly ("нет", "no");
//! - any other word: any word with the same Snowball stem (the Russian stemmer for Cyrillic
//!   words, the English one otherwise), so "цена" finds "ценами" but not "ценность".

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

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

thread_local! {
    static STEMMERS: (Stemmer, Stemmer) =
        (Stemmer::create(Algorithm::Russian), Stemmer::create(Algorithm::English));
}

/// The Snowball stem of a normalised word: Russian for Cyrillic words, English otherwise.
pub fn stem(word: &str) -> String {
    STEMMERS.with(|(ru, en)| {
        let s = if is_cyrillic(word) { ru } else { en };
        s.stem(word).into_owned()
    })
}

/// A spoken word as the matcher sees it: normalised, and its [`stem`].
#[derive(Debug, Clone, Copy)]
pub struct Tok<'a> {
    pub word: &'a str,
    pub stem: &'a str,
}

fn is_cyrillic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// One token of a phrase, compiled.
#[derive(Debug, Clone)]
enum Token {
    Exact(String),
    Prefix(String),
    Stem(String),
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
        if t.chars().count() <= 3 || t.chars().any(|c| c.is_ascii_digit()) {
            return Some(Token::Exact(t));
        }
        Some(Token::Stem(stem(&t)))
    }

    fn first_char(&self) -> Option<char> {
        match self {
            Token::Exact(s) | Token::Prefix(s) | Token::Stem(s) => s.chars().next(),
        }
    }

    fn matches(&self, w: Tok<'_>) -> bool {
        match self {
            Token::Exact(s) => w.word == s,
            Token::Prefix(s) => w.word.starts_with(s.as_str()),
            Token::Stem(s) => w.stem == s,
        }
    }
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
    /// at any word of `words` (in spoken order).
    pub fn scan(&self, words: &[Tok<'_>], mut found: impl FnMut(&T, usize, usize)) {
        if self.patterns.is_empty() {
            return;
        }
        for i in 0..words.len() {
            let Some(c) = words[i].word.chars().next() else {
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
                    .all(|(t, &w)| t.matches(w))
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
        let stems: Vec<String> = ws.iter().map(|w| stem(w)).collect();
        let toks: Vec<Tok> = ws
            .iter()
            .zip(&stems)
            .map(|(word, stem)| Tok { word, stem })
            .collect();
        let mut hit = false;
        matcher.scan(&toks, |_, _, _| hit = true);
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
