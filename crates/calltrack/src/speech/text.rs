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
    EN_VALUES.iter().any(|&(w, _)| w == word && w != "one")
        || ["hundred", "thousand", "million", "grand", "half"].contains(&word)
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

/// The English number words that add their value to an amount ("one" is [`is_one`]).
const EN_VALUES: [(&str, f64); 28] = [
    ("zero", 0.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
];

/// What a number word adds to an amount.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NumberWord {
    /// A value that adds: "seven", "forty", "двести", "полторы", "half".
    Value(f64),
    /// "hundred": what came before (or one) times 100.
    Hundred,
    /// "thousand", "тысяч", "grand", "million": what came before (or one) times this, closed.
    Scale(f64),
}

fn number_word(word: &str) -> Option<NumberWord> {
    use NumberWord::*;
    // Russian by the stem every case form starts with, longest first where one is another's
    // start (семьдесят before семь, двести before два).
    const RU: [(&str, f64); 36] = [
        ("ноль", 0.0),
        ("одиннадцат", 11.0),
        ("двенадцат", 12.0),
        ("тринадцат", 13.0),
        ("четырнадцат", 14.0),
        ("пятнадцат", 15.0),
        ("шестнадцат", 16.0),
        ("семнадцат", 17.0),
        ("восемнадцат", 18.0),
        ("девятнадцат", 19.0),
        ("двадцат", 20.0),
        ("тридцат", 30.0),
        ("сорок", 40.0),
        ("пятьдесят", 50.0),
        ("пятидесят", 50.0),
        ("шестьдесят", 60.0),
        ("шестидесят", 60.0),
        ("семьдесят", 70.0),
        ("семидесят", 70.0),
        ("восемьдесят", 80.0),
        ("восьмидесят", 80.0),
        ("девяност", 90.0),
        ("двест", 200.0),
        ("двухсот", 200.0),
        ("трист", 300.0),
        ("трехсот", 300.0),
        ("четырест", 400.0),
        ("четырехсот", 400.0),
        ("пятьсот", 500.0),
        ("пятисот", 500.0),
        ("шестьсот", 600.0),
        ("шестисот", 600.0),
        ("семьсот", 700.0),
        ("семисот", 700.0),
        ("восемьсот", 800.0),
        ("восьмисот", 800.0),
    ];
    const RU_SMALL: [(&str, f64); 20] = [
        ("девятьсот", 900.0),
        ("девятисот", 900.0),
        ("один", 1.0),
        ("одн", 1.0),
        ("два", 2.0),
        ("две", 2.0),
        ("двух", 2.0),
        ("три", 3.0),
        ("трех", 3.0),
        ("четыр", 4.0),
        ("пят", 5.0),
        ("шест", 6.0),
        ("сем", 7.0),
        ("восем", 8.0),
        ("восьм", 8.0),
        ("девят", 9.0),
        ("десят", 10.0),
        ("сто", 100.0),
        ("ста", 100.0),
        ("полтор", 1.5),
    ];
    if let Some(&(_, v)) = EN_VALUES.iter().find(|(w, _)| *w == word) {
        return Some(Value(v));
    }
    if let Some((tens, unit)) = word.split_once('-') {
        return match (number_word(tens), number_word(unit)) {
            (Some(Value(t)), Some(Value(u))) if t >= 20.0 && u < 10.0 => Some(Value(t + u)),
            _ => None,
        };
    }
    match word {
        "hundred" => return Some(Hundred),
        "thousand" | "grand" => return Some(Scale(1e3)),
        "million" => return Some(Scale(1e6)),
        "half" | "половиной" | "половина" => return Some(Value(0.5)),
        "полутора" => return Some(Value(1.5)),
        _ => {}
    }
    if word.starts_with("тысяч") {
        return Some(Scale(1e3));
    }
    if word.starts_with("миллион") {
        return Some(Scale(1e6));
    }
    if let Some(&(_, v)) = RU.iter().find(|(p, _)| word.starts_with(p)) {
        return Some(Value(v));
    }
    // The short stems only as whole small forms: "сем" is not "семья", "пят" is not "пятница".
    let small = RU_SMALL
        .iter()
        .find(|(p, _)| word.starts_with(p) && word.chars().count() <= p.chars().count() + 3);
    if let Some(&(_, v)) = small {
        if is_numeral(word) || is_one(word) || word == "полтора" || word == "полторы"
        {
            return Some(Value(v));
        }
    }
    if word.chars().any(|c| c.is_ascii_digit()) && is_numeral(word) {
        let (digits, k) = match word.strip_suffix('k') {
            Some(d) => (d, 1e3),
            None => (word, 1.0),
        };
        let clean: String = digits
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        return clean.parse::<f64>().ok().map(|v| Value(v * k));
    }
    None
}

/// The amounts said in a run of words: (first word, last word, value), each within one
/// sentence. Number words combine as people say them: "a hundred and ten" 110, "eleven hundred
/// and fifty" 1150, "nine thousand eight hundred" 9800, "eight and a half" 8.5, "четырнадцать с
/// половиной тысяч" 14500, "сто двадцать тысяч" 120000, and a price said the short way, "one
/// forty nine" 149, "две восемьсот" 2800.
pub fn amounts(toks: &[Tok<'_>]) -> Vec<(usize, usize, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let Some(first) = number_word(toks[i].word).filter(|_| toks[i].number) else {
            i += 1;
            continue;
        };
        let (start, mut end) = (i, i);
        let (mut total, mut current) = (0.0_f64, 0.0_f64);
        let add = |w: NumberWord, total: &mut f64, current: &mut f64| match w {
            NumberWord::Value(v) => {
                let bare_unit = *current >= 1.0 && *current <= 9.0 && current.fract() == 0.0;
                if bare_unit && v >= 100.0 {
                    *total += *current * 1e3;
                    *current = v;
                } else if bare_unit && v >= 10.0 {
                    *current = *current * 100.0 + v;
                } else {
                    *current += v;
                }
            }
            NumberWord::Hundred => *current = current.max(1.0) * 100.0,
            NumberWord::Scale(s) => {
                *total += current.max(1.0) * s;
                *current = 0.0;
            }
        };
        add(first, &mut total, &mut current);
        let mut j = i + 1;
        while j < toks.len() && !toks[j - 1].ends {
            let next = number_word(toks[j].word)
                .filter(|w| toks[j].number || matches!(w, NumberWord::Value(v) if *v == 0.5));
            if let Some(w) = next {
                add(w, &mut total, &mut current);
                end = j;
                j += 1;
                continue;
            }
            // "and", "a", "и", "с" join number words ("a hundred and ten", "eight and a half",
            // "с половиной"), when a number word follows them.
            let joins = |k: usize| {
                toks.get(k)
                    .is_some_and(|t| !t.ends && matches!(t.word, "and" | "a" | "и" | "с"))
            };
            let mut k = j;
            while joins(k) && k < j + 2 {
                k += 1;
            }
            if k > j && toks.get(k).and_then(|t| number_word(t.word)).is_some() {
                j = k;
                continue;
            }
            break;
        }
        out.push((start, end, total + current));
        i = end + 1;
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

    /// Calls `f` with the words of `text` as the analyser tokenises one side's words.
    fn with_toks<R>(text: &str, f: impl FnOnce(&[Tok<'_>]) -> R) -> R {
        let ws: Vec<String> = text.split_whitespace().map(normalise).collect();
        let stems: Vec<String> = ws.iter().map(|w| stem(w)).collect();
        let mut toks: Vec<Tok> = ws
            .iter()
            .zip(&stems)
            .zip(text.split_whitespace())
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
        for (t, n) in toks.iter_mut().zip(number) {
            t.number = n;
        }
        f(&toks)
    }

    fn m(phrase: &str, words: &str) -> bool {
        let mut matcher = Matcher::default();
        matcher.add(phrase, ());
        let mut hit = false;
        with_toks(words, |toks| matcher.scan(toks, |_, _, _| hit = true));
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

    fn amounts_in(text: &str) -> Vec<f64> {
        with_toks(text, |toks| {
            amounts(toks).into_iter().map(|(_, _, v)| v).collect()
        })
    }

    #[test]
    fn amounts_are_read_as_people_say_them() {
        for (said, value) in [
            ("replacing it is a hundred and ten, parts", 110.0),
            ("eleven hundred and fifty, with delivery", 1150.0),
            ("about nine thousand eight hundred fitted", 9800.0),
            ("talking about eight and a half for", 8.5),
            ("it is ninety-five and", 95.0),
            ("is one forty nine", 149.0),
            ("one thousand two hundred", 1200.0),
            (
                "выйдет в четырнадцать с половиной тысяч с запчастями",
                14500.0,
            ),
            ("получится сто двадцать тысяч за", 120000.0),
            ("переобувка две восемьсот", 2800.0),
            ("около тридцати девяти тысяч в год", 39000.0),
            ("за 12,500 рублей", 12500.0),
            ("about 12k", 12000.0),
        ] {
            assert_eq!(amounts_in(said), [value], "{said}");
        }
        assert!(amounts_in("one of those site builders").is_empty());
        assert!(amounts_in("в пятницу стоит семья").is_empty());
        assert_eq!(amounts_in("after two. Three is fine"), [2.0, 3.0]);
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
