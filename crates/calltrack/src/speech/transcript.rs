//! Amazon Transcribe output, in every shape it comes in, read into one timeline of words.
//!
//! Standard transcription (`StartTranscriptionJob`) writes `results.items` (times and confidences
//! as strings, punctuation without times) plus, depending on the job, `results.channel_labels`
//! (channel identification), `results.speaker_labels` (diarization; items may or may not carry a
//! `speaker_label`, the segments always map times to speakers) and, in newer outputs,
//! `results.audio_segments` (item ids per speaker or channel). Call Analytics writes a
//! `Transcript` array of turns with a `ParticipantRole` and millisecond offsets instead.
//!
//! The raw shapes borrow from the input bytes and skip every field the analyser does not read,
//! so reading a transcript costs about what tokenising it costs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

/// Why a transcript could not be read at all. Damage that still leaves words to analyse is not
/// an error: it becomes a warning and `partial: true` on the analysis.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// The bytes are not JSON (truncated download, wrong file).
    #[error("not valid JSON at line {line} column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON, but neither a Transcribe `results` object nor a Call Analytics `Transcript`.
    #[error(
        "not an Amazon Transcribe output: expected a `results` object (standard transcription) \
         or a `Transcript` array (Call Analytics)"
    )]
    NotTranscribe,
}

impl From<serde_json::Error> for TranscriptError {
    fn from(e: serde_json::Error) -> Self {
        let message = e.to_string();
        // serde_json appends " at line L column C"; we report those as fields.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        Self::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

/// How the words of a transcript are attributed to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Labelling {
    /// Channel identification: one channel per side (`ch_0`, `ch_1`).
    Channels,
    /// Speaker diarization of a mono recording (`spk_0`, `spk_1`, ...).
    Speakers,
    /// No labels at all: every word belongs to one unknown speaker.
    Unlabelled,
    /// Call Analytics: each turn says `AGENT` or `CUSTOMER`.
    Roles,
}

/// One spoken word (punctuation is dropped: it has no time).
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Seconds from the start of the recording.
    pub start: f64,
    pub end: f64,
    /// Index into [`Transcript::speakers`].
    pub speaker: usize,
    pub text: String,
    pub confidence: Option<f32>,
    /// The punctuation Transcribe put right after the word (`.`, `,`, `?`), if any: where a
    /// clause or a question ends.
    pub punct: Option<char>,
}

/// A transcript reduced to what the analyser needs: who said which word when.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// `results.language_code` (or `LanguageCode` for Call Analytics), when the file has one.
    pub language_code: Option<String>,
    pub labelling: Labelling,
    /// Labels as the file spells them: `ch_0`, `spk_1`, `AGENT`; ordered by first word spoken
    /// (channels: by label).
    pub speakers: Vec<String>,
    /// Every timed word, sorted by start time.
    pub words: Vec<Word>,
    /// Channels the file says the recording has (`number_of_channels`), if it says.
    pub declared_channels: Option<u32>,
    /// What reading noticed (words without times, unknown speakers, interpolated times...).
    pub warnings: Vec<String>,
    /// True when reading dropped or guessed words: an analysis built on it is partial.
    pub partial: bool,
}

/// Reads an Amazon Transcribe (standard or Call Analytics) output document.
pub fn parse(bytes: &[u8]) -> Result<Transcript, TranscriptError> {
    let doc: RawDoc<'_> = serde_json::from_slice(bytes)?;
    if let Some(results) = doc.results {
        Ok(from_standard(results))
    } else if let Some(turns) = doc.ca_transcript {
        Ok(from_call_analytics(turns, doc.ca_language))
    } else {
        Err(TranscriptError::NotTranscribe)
    }
}

// ---------------------------------------------------------------------------------------------
// Raw shapes (borrowed; unknown fields are skipped without being built).

#[derive(Deserialize)]
struct RawDoc<'a> {
    #[serde(borrow, default)]
    results: Option<RawResults<'a>>,
    /// Call Analytics turns. Field names pinned by the docs' example (`tca-output-batch.md`).
    #[serde(rename = "Transcript", borrow, default)]
    ca_transcript: Option<Vec<CaTurn<'a>>>,
    #[serde(rename = "LanguageCode", borrow, default)]
    ca_language: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawResults<'a> {
    #[serde(borrow, default)]
    language_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    items: Vec<RawItem<'a>>,
    #[serde(borrow, default)]
    channel_labels: Option<RawChannels<'a>>,
    #[serde(borrow, default)]
    speaker_labels: Option<RawSpeakers<'a>>,
    #[serde(borrow, default)]
    audio_segments: Option<Vec<RawAudioSegment<'a>>>,
}

#[derive(Deserialize)]
struct RawItem<'a> {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default, deserialize_with = "seconds")]
    start_time: Option<f64>,
    #[serde(default, deserialize_with = "seconds")]
    end_time: Option<f64>,
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    alternatives: FirstAlternative<'a>,
    #[serde(borrow, default)]
    channel_label: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    speaker_label: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawAlternative<'a> {
    #[serde(borrow, default)]
    content: Cow<'a, str>,
    #[serde(default, deserialize_with = "seconds")]
    confidence: Option<f64>,
}

/// The first of an item's `alternatives` (the others are skipped, not built).
#[derive(Default)]
struct FirstAlternative<'a>(Option<RawAlternative<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstAlternative<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FirstAlternative<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of alternatives")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first: Option<RawAlternative<'a>> = seq.next_element()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstAlternative(first))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FirstAlternative(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct RawChannels<'a> {
    #[serde(borrow, default)]
    channels: Vec<RawChannel<'a>>,
    #[serde(default)]
    number_of_channels: Option<u32>,
}

#[derive(Deserialize)]
struct RawChannel<'a> {
    #[serde(borrow, default)]
    channel_label: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    items: Vec<RawItem<'a>>,
}

#[derive(Deserialize)]
struct RawSpeakers<'a> {
    #[serde(borrow, default)]
    segments: Vec<RawSegment<'a>>,
}

#[derive(Deserialize)]
struct RawSegment<'a> {
    #[serde(default, deserialize_with = "seconds")]
    start_time: Option<f64>,
    #[serde(default, deserialize_with = "seconds")]
    end_time: Option<f64>,
    #[serde(borrow, default)]
    speaker_label: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    items: Vec<RawSegmentItem<'a>>,
}

#[derive(Deserialize)]
struct RawSegmentItem<'a> {
    #[serde(default, deserialize_with = "seconds")]
    start_time: Option<f64>,
    #[serde(default, deserialize_with = "seconds")]
    end_time: Option<f64>,
    #[serde(borrow, default)]
    speaker_label: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawAudioSegment<'a> {
    #[serde(borrow, default)]
    speaker_label: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    channel_label: Option<Cow<'a, str>>,
    #[serde(default)]
    items: Vec<u64>,
}

#[derive(Deserialize)]
struct CaTurn<'a> {
    #[serde(rename = "ParticipantRole", borrow, default)]
    role: Option<Cow<'a, str>>,
    #[serde(rename = "Content", borrow, default)]
    content: Cow<'a, str>,
    #[serde(rename = "BeginOffsetMillis", default, deserialize_with = "seconds")]
    begin_ms: Option<f64>,
    #[serde(rename = "EndOffsetMillis", default, deserialize_with = "seconds")]
    end_ms: Option<f64>,
    #[serde(rename = "Items", borrow, default)]
    items: Vec<CaItem<'a>>,
}

#[derive(Deserialize)]
struct CaItem<'a> {
    #[serde(rename = "Content", borrow, default)]
    content: Cow<'a, str>,
    #[serde(rename = "BeginOffsetMillis", default, deserialize_with = "seconds")]
    begin_ms: Option<f64>,
    #[serde(rename = "EndOffsetMillis", default, deserialize_with = "seconds")]
    end_ms: Option<f64>,
    #[serde(rename = "Type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "Confidence", default, deserialize_with = "seconds")]
    confidence: Option<f64>,
}

/// A number Transcribe writes as a string (`"4.87"`), or as a number; anything else, or a value
/// outside 0..1e9 (seconds or milliseconds), reads as missing.
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number or a string holding one")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v).filter(|v| plausible(*v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64).filter(|v| plausible(*v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64).filter(|v| plausible(*v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

fn plausible(v: f64) -> bool {
    (0.0..1e9).contains(&v)
}

// ---------------------------------------------------------------------------------------------
// Building the timeline.

/// Interns speaker labels in order of first appearance.
#[derive(Default)]
struct Speakers {
    labels: Vec<String>,
    index: HashMap<String, usize>,
}

impl Speakers {
    fn id(&mut self, label: &str) -> usize {
        if let Some(&i) = self.index.get(label) {
            return i;
        }
        let i = self.labels.len();
        self.labels.push(label.to_string());
        self.index.insert(label.to_string(), i);
        i
    }
}

/// Counts what had to be dropped, reported once per kind.
#[derive(Default)]
struct Damage {
    untimed: usize,
    unlabelled: usize,
    empty: usize,
}

impl Damage {
    /// Adds a warning per kind of damage; true if there was any.
    fn into_warnings(self, warnings: &mut Vec<String>) -> bool {
        let any = self.untimed + self.unlabelled + self.empty > 0;
        if self.untimed > 0 {
            warnings.push(format!(
                "{} word(s) without start or end time were skipped",
                self.untimed
            ));
        }
        if self.unlabelled > 0 {
            warnings.push(format!(
                "{} word(s) had no speaker or channel and were given to the nearest speaker",
                self.unlabelled
            ));
        }
        if self.empty > 0 {
            warnings.push(format!(
                "{} item(s) without any text were skipped",
                self.empty
            ));
        }
        any
    }
}

fn timed(start: Option<f64>, end: Option<f64>) -> Option<(f64, f64)> {
    let (s, e) = (start?, end?);
    Some(if e < s { (s, s) } else { (s, e) })
}

fn is_pronunciation(kind: Option<&Cow<'_, str>>) -> bool {
    kind.is_none_or(|k| !k.eq_ignore_ascii_case("punctuation"))
}

fn from_standard(results: RawResults<'_>) -> Transcript {
    let mut warnings = Vec::new();
    let mut damage = Damage::default();
    let mut speakers = Speakers::default();
    let language_code = results.language_code.map(Cow::into_owned);
    let declared_channels = results
        .channel_labels
        .as_ref()
        .and_then(|c| c.number_of_channels);

    // Channel identification. Newer outputs repeat every item, with its `channel_label`, in
    // `results.items`; older ones only list items per channel.
    let channel_mode =
        results.channel_labels.is_some() || results.items.iter().any(|i| i.channel_label.is_some());
    let speaker_mode = !channel_mode
        && (results.speaker_labels.is_some()
            || results.items.iter().any(|i| i.speaker_label.is_some())
            || results
                .audio_segments
                .as_ref()
                .is_some_and(|a| a.iter().any(|s| s.speaker_label.is_some())));

    let mut words = Vec::with_capacity(results.items.len());
    let mut partial = false;
    let labelling;
    if channel_mode {
        labelling = Labelling::Channels;
        let items_labelled = results.items.iter().any(|i| i.channel_label.is_some());
        if items_labelled {
            let by_id = audio_segment_labels(&results.audio_segments, |s| &s.channel_label);
            push_items(&results.items, &mut words, &mut damage, |item| {
                item.channel_label
                    .as_deref()
                    .or_else(|| item.id.and_then(|id| by_id.get(&id).copied()))
                    .map(|l| speakers.id(l))
            });
        } else if let Some(ch) = &results.channel_labels {
            for (n, channel) in ch.channels.iter().enumerate() {
                let label = channel
                    .channel_label
                    .as_deref()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("ch_{n}"));
                let id = speakers.id(&label);
                push_items(&channel.items, &mut words, &mut damage, |_| Some(id));
            }
        }
        if let Some(n) = declared_channels {
            for c in 0..n {
                speakers.id(&format!("ch_{c}"));
            }
        }
    } else if speaker_mode {
        labelling = Labelling::Speakers;
        let map = SpeakerMap::new(results.speaker_labels.as_ref(), &mut speakers);
        let by_id = audio_segment_labels(&results.audio_segments, |s| &s.speaker_label);
        push_items(&results.items, &mut words, &mut damage, |item| {
            if let Some(l) = item.speaker_label.as_deref() {
                return Some(speakers.id(l));
            }
            if let Some(l) = item.id.and_then(|id| by_id.get(&id).copied()) {
                return Some(speakers.id(l));
            }
            item.start_time.and_then(|t| map.speaker_at(t))
        });
    } else {
        labelling = Labelling::Unlabelled;
        let id = speakers.id("spk_0");
        push_items(&results.items, &mut words, &mut damage, |_| Some(id));
        if !words.is_empty() {
            partial = true;
            warnings.push(
                "the transcript has no channel or speaker labels: every word is counted as the \
                 agent's"
                    .to_string(),
            );
        }
    }
    // Every word needs an owner; one the labels did not cover goes to the speaker of the
    // previous word (or the first speaker).
    let mut last = 0usize;
    let mut words: Vec<Word> = words
        .into_iter()
        .map(|(w, owner)| {
            let speaker = match owner {
                Some(s) => s,
                None => {
                    damage.unlabelled += 1;
                    if speakers.labels.is_empty() {
                        speakers.id("spk_0");
                    }
                    last
                }
            };
            last = speaker;
            Word { speaker, ..w }
        })
        .collect();
    partial |= damage.into_warnings(&mut warnings);
    finish(&mut words);
    let mut t = Transcript {
        language_code,
        labelling,
        speakers: speakers.labels,
        words,
        declared_channels,
        warnings,
        partial,
    };
    if labelling == Labelling::Channels {
        sort_channels(&mut t);
    }
    t
}

/// Channels are ordered by label (`ch_0` before `ch_1`), not by who spoke first.
fn sort_channels(t: &mut Transcript) {
    let mut order: Vec<usize> = (0..t.speakers.len()).collect();
    order.sort_by(|&a, &b| channel_key(&t.speakers[a]).cmp(&channel_key(&t.speakers[b])));
    let mut new_index = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    t.speakers = order.iter().map(|&i| t.speakers[i].clone()).collect();
    for w in &mut t.words {
        w.speaker = new_index[w.speaker];
    }
}

fn channel_key(label: &str) -> (u32, &str) {
    let n = label
        .rsplit('_')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX);
    (n, label)
}

fn audio_segment_labels<'s, 'a>(
    segs: &'s Option<Vec<RawAudioSegment<'a>>>,
    label: impl Fn(&'s RawAudioSegment<'a>) -> &'s Option<Cow<'a, str>>,
) -> HashMap<u64, &'s str> {
    let mut map = HashMap::new();
    for s in segs.iter().flatten() {
        if let Some(l) = label(s).as_deref() {
            for &id in &s.items {
                map.insert(id, l);
            }
        }
    }
    map
}

fn push_items<'a>(
    items: &[RawItem<'a>],
    words: &mut Vec<(Word, Option<usize>)>,
    damage: &mut Damage,
    mut owner: impl FnMut(&RawItem<'a>) -> Option<usize>,
) {
    let first = words.len();
    for item in items {
        if !is_pronunciation(item.kind.as_ref()) {
            // Punctuation belongs to the word just before it in the same list.
            let mark = item
                .alternatives
                .0
                .as_ref()
                .and_then(|a| a.content.trim().chars().next());
            if let (Some(c), true) = (mark, words.len() > first) {
                if let Some((w, _)) = words.last_mut() {
                    w.punct.get_or_insert(c);
                }
            }
            continue;
        }
        let Some(alt) = &item.alternatives.0 else {
            damage.empty += 1;
            continue;
        };
        if alt.content.trim().is_empty() {
            damage.empty += 1;
            continue;
        }
        let Some((start, end)) = timed(item.start_time, item.end_time) else {
            damage.untimed += 1;
            continue;
        };
        let speaker = owner(item);
        words.push((
            Word {
                start,
                end,
                speaker: speaker.unwrap_or(0),
                text: alt.content.trim().to_string(),
                confidence: alt.confidence.map(|c| c as f32),
                punct: None,
            },
            speaker,
        ));
    }
}

/// Maps a time to the speaker talking then, from `speaker_labels.segments`.
struct SpeakerMap {
    /// (start, end, speaker), sorted by start.
    spans: Vec<(f64, f64, usize)>,
}

impl SpeakerMap {
    fn new(labels: Option<&RawSpeakers<'_>>, speakers: &mut Speakers) -> Self {
        let mut spans = Vec::new();
        for seg in labels.iter().flat_map(|l| &l.segments) {
            let seg_speaker = seg.speaker_label.as_deref().map(|l| speakers.id(l));
            let mut any = false;
            for it in &seg.items {
                let who = it
                    .speaker_label
                    .as_deref()
                    .map(|l| speakers.id(l))
                    .or(seg_speaker);
                if let (Some((s, e)), Some(who)) = (timed(it.start_time, it.end_time), who) {
                    spans.push((s, e, who));
                    any = true;
                }
            }
            if !any {
                if let (Some((s, e)), Some(who)) =
                    (timed(seg.start_time, seg.end_time), seg_speaker)
                {
                    spans.push((s, e, who));
                }
            }
        }
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        Self { spans }
    }

    /// The speaker of the last span starting at or before `t` (a word between segments belongs
    /// to whoever spoke last).
    fn speaker_at(&self, t: f64) -> Option<usize> {
        let i = self.spans.partition_point(|s| s.0 <= t + 1e-6);
        if i == 0 {
            self.spans.first().map(|s| s.2)
        } else {
            Some(self.spans[i - 1].2)
        }
    }
}

fn finish(words: &mut [Word]) {
    // Stable: words of one speaker with equal start keep their order.
    words.sort_by(|a, b| a.start.total_cmp(&b.start));
}

fn from_call_analytics(turns: Vec<CaTurn<'_>>, language: Option<Cow<'_, str>>) -> Transcript {
    let mut speakers = Speakers::default();
    let mut warnings = Vec::new();
    let mut damage = Damage::default();
    let mut words: Vec<Word> = Vec::new();
    let mut interpolated = 0usize;
    for turn in &turns {
        let role = turn.role.as_deref().unwrap_or("UNKNOWN");
        let speaker = speakers.id(&role.to_ascii_uppercase());
        if turn.items.iter().any(|i| is_pronunciation(i.kind.as_ref())) {
            let first = words.len();
            for it in &turn.items {
                if !is_pronunciation(it.kind.as_ref()) {
                    if let (Some(c), true) = (it.content.trim().chars().next(), words.len() > first)
                    {
                        if let Some(w) = words.last_mut() {
                            w.punct.get_or_insert(c);
                        }
                    }
                    continue;
                }
                let Some((s, e)) = timed(it.begin_ms, it.end_ms) else {
                    damage.untimed += 1;
                    continue;
                };
                if it.content.trim().is_empty() {
                    damage.empty += 1;
                    continue;
                }
                words.push(Word {
                    start: s / 1000.0,
                    end: e / 1000.0,
                    speaker,
                    text: it.content.trim().to_string(),
                    confidence: it.confidence.map(|c| c as f32),
                    punct: None,
                });
            }
            continue;
        }
        // No word items: spread the turn's words evenly over its time.
        let tokens: Vec<&str> = turn.content.split_whitespace().collect();
        if tokens.is_empty() {
            continue;
        }
        let Some((s, e)) = timed(turn.begin_ms, turn.end_ms) else {
            damage.untimed += tokens.len();
            continue;
        };
        let (s, e) = (s / 1000.0, e / 1000.0);
        let step = (e - s) / tokens.len() as f64;
        for (k, tok) in tokens.iter().enumerate() {
            words.push(Word {
                start: s + step * k as f64,
                end: s + step * (k + 1) as f64,
                speaker,
                text: (*tok).to_string(),
                confidence: None,
                punct: tok.chars().last().filter(|c| ".,?!;:".contains(*c)),
            });
        }
        interpolated += 1;
    }
    if interpolated > 0 {
        warnings.push(format!(
            "{interpolated} Call Analytics turn(s) had no word items: word times were spread \
             evenly over each turn"
        ));
    }
    let partial = damage.into_warnings(&mut warnings);
    finish(&mut words);
    Transcript {
        language_code: language.map(Cow::into_owned),
        labelling: Labelling::Roles,
        speakers: speakers.labels,
        words,
        declared_channels: None,
        warnings,
        partial,
    }
}
