//! Word and phrase matching that survives inflection: "цена" finds "цену" and "ценами",
//! "price" finds "prices" and "pricing", case and ё/е aside.
//!
//! A phrase is a sequence of tokens matched against consecutive words of one side. A token is
//! one of:
//! - `stem*`: any word that starts with `stem` (the explicit prefix rule);
//! - a word of at most 3 letters, or with a digit: that word exactly ("нет", "no");
//! - any other word: any word with the same Snowball stem (the Russian stemmer for Cyrillic
//!   words, the English one otherwise), so "цена" finds "ценами" but not "ценность";
//! - `#`: a number, in digits or in words ("sixty five", "двести десять": [`is_numeral`]);
//! - `*`: any one word ("another *" finds "another firm" and "another service");
//! - `@name`: a word capitalised inside a sentence, which is how Transcribe writes a name
//!   ("Sarah here").

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

/// A spoken word as the matcher sees it: normalised, its [`stem`], and whether it was written
/// capitalised inside a sentence (a name).
#[derive(Debug, Clone, Copy)]
pub struct Tok<'a> {
    pub word: &'a str,
    pub stem: &'a str,
    pub name: bool,
    /// Ends a sentence (Transcribe's full stop, question or exclamation mark, or semicolon): no
    /// phrase runs on past it ("и то и другое. Понятно" holds no "другие *"). A turn's end is
    /// not one: the other side talking over a sentence splits its turn, not the sentence.
    pub ends: bool,
    /// A number as said (see [`numbers`]): what `#` matches.
    pub number: bool,
}

/// True for a number word or numeral: digits, the English and Russian number words in any
/// case or gender ("forty", "hundred", "двести", "тысячи", "полторы"), and hyphenated compounds
/// of them ("ninety-five"). Number words are a closed class, so the list is the language's, not a
/// dictionary to tune. "One" and "один" in every form are left out: alone they are a pronoun or an
/// article far more often than an amount ("the one on your site", "одна дверца"); see
/// [`is_one`].
pub fn is_numeral(word: &str) -> bool {
    if let Some((head, tail)) = word.split_once('-') {
        return is_numeral(head) && tail.split('-').all(|p| p == "one" || is_numeral(p));
    }
    const EN: [&str; 32] = [
        "zero",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "grand",
        "half",
    ];
    const RU: [&str; 34] = [
        "ноль",
        "два",
        "две",
        "двух",
        "двум",
        "три",
        "трех",
        "трем",
        "четыре",
        "четырех",
        "пять",
        "шесть",
        "семь",
        "восемь",
        "девять",
        "сорок",
        "сорока",
        "девяносто",
        "девяноста",
        "сто",
        "ста",
        "двести",
        "двухсот",
        "триста",
        "трехсот",
        "четыреста",
        "четырехсот",
        "полтора",
        "полторы",
        "полутора",
        "пяти",
        "шести",
        "семи",
        "восьми",
    ];
    if word.chars().any(|c| c.is_ascii_digit()) {
        return word
            .chars()
            .all(|c| c.is_ascii_digit() || ".,k$%".contains(c));
    }
    EN.contains(&word)
        || RU.contains(&word)
        || ["тысяч", "миллион", "миллиард", "девят"].iter().any(|p| word.starts_with(p))
        // одиннадцать..двадцать, тридцать; пятьдесят..восемьдесят; пятьсот..девятьсот
        || word.contains("дцат")
        || word.contains("десят")
        || (word.ends_with("сот") && word.chars().count() >= 6)
}

/// "One" and "один" in every form: a number only when another number word follows it ("one
/// forty nine", "одна тысяча"), which [`Tok::number`] says.
pub fn is_one(word: &str) -> bool {
    matches!(
        word,
        "one"
            | "один"
            | "одна"
            | "одно"
            | "одну"
            | "одного"
            | "одной"
            | "одним"
            | "одному"
    )
}

/// Whether each word is a number: a numeral, or a form of "one" followed in its sentence by one.
pub fn numbers(toks: &[Tok<'_>]) -> Vec<bool> {
    let mut out: Vec<bool> = toks.iter().map(|t| is_numeral(t.word)).collect();
    for i in (0..toks.len().saturating_sub(1)).rev() {
        if is_one(toks[i].word) && !toks[i].ends && out[i + 1] {
            out[i] = true;
        }
    }
    out
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
    Number,
    Any,
    Name,
}

impl Token {
    fn compile(raw: &str) -> Option<Token> {
        match raw {
            "#" => return Some(Token::Number),
            "*" => return Some(Token::Any),
            "@name" => return Some(Token::Name),
            _ => {}
        }
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

    /// The first character every word this token matches starts with (`None`: any).
    fn first_char(&self) -> Option<char> {
        match self {
            Token::Exact(s) | Token::Prefix(s) | Token::Stem(s) => s.chars().next(),
            Token::Number | Token::Any | Token::Name => None,
        }
    }

    fn matches(&self, w: Tok<'_>) -> bool {
        match self {
            Token::Exact(s) => w.word == s,
            Token::Prefix(s) => w.word.starts_with(s.as_str()),
            Token::Stem(s) => w.stem == s,
            Token::Number => w.number,
            Token::Any => !w.word.is_empty(),
            Token::Name => w.name,
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
    /// Patterns whose first token is a number, any word or a name: tried at every word.
    open_first: Vec<usize>,
}

impl<T> Default for Matcher<T> {
    fn default() -> Self {
        Self {
            patterns: Vec::new(),
            by_first: HashMap::new(),
            open_first: Vec::new(),
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
        let Some(token) = tokens.first() else {
            return;
        };
        match token.first_char() {
            Some(c) => self
                .by_first
                .entry(c)
                .or_default()
                .push(self.patterns.len()),
            None => self.open_first.push(self.patterns.len()),
        }
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
            let indexed = self.by_first.get(&c).map_or(&[][..], Vec::as_slice);
            for &p in indexed.iter().chain(&self.open_first) {
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
                    && !words[i..i + n - 1].iter().any(|w| w.ends)
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
            .zip(words.split_whitespace())
            .enumerate()
            .map(|(i, ((word, stem), raw))| Tok {
                word,
                stem,
                name: i > 0 && raw.starts_with(char::is_uppercase),
                ends: raw.ends_with(['.', '?', '!', ';']),
                number: false,
            })
            .collect();
        let number = numbers(&toks);
        let toks: Vec<Tok> = toks
            .into_iter()
            .zip(number)
            .map(|(t, number)| Tok { number, ..t })
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
    fn a_phrase_is_said_within_one_sentence() {
        assert!(!m("другие *", "и то и другое. Понятно"));
        assert!(m("другие *", "другие фирмы"));
        assert!(m("больше чем", "это больше, чем билет"));
        assert!(!m("your manager", "is that yours? Manager here"));
    }

    #[test]
    fn numbers_any_word_and_names_match_as_their_kinds() {
        assert!(m("is #", "a consultation is sixty five"));
        assert!(m("стоит #", "стоит двести десять"));
        assert!(m("is #", "the visit is one forty nine"));
        assert!(!m("is #", "this is one of ours"));
        assert!(!m("дверца #", "одна дверца одна."));
        for w in [
            "двадцать",
            "пятьдесят",
            "пятьсот",
            "тысячи",
            "полторы",
            "девяносто",
            "1200",
            "ninety-five",
            "twenty-one",
        ] {
            assert!(is_numeral(w), "{w}");
        }
        for w in [
            "сотрудник",
            "трубка",
            "once",
            "someone",
            "десерт",
            "ночь",
            "one",
            "одна",
            "fifty-pound",
            "-5",
        ] {
            assert!(!is_numeral(w), "{w}");
        }
        assert!(m("another *", "we use another firm"));
        assert!(!m("another *", "another"));
        assert!(m("@name here", "Maple Vet Clinic, Sarah here"));
        assert!(!m("@name here", "we are here"));
    }

    #[test]
    fn punctuation_is_not_part_of_a_word() {
        assert_eq!(normalise("Hello,"), "hello");
        assert_eq!(normalise("«Ёлки»"), "елки");
        assert_eq!(normalise("I’ve"), "i've");
    }
}
