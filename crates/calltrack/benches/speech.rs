//! Speech analysis throughput and peak memory on a generated 60-minute two-channel call, against
//! the time serde_json takes merely to parse the same bytes into a `serde_json::Value`.
//! Target (issue 5): the whole analysis within 2x of that bare parse.
//!
//! `cargo bench -p calltrack --bench speech` prints, before criterion's own report, medians of
//! both measured in the same run, their ratio, and the peak heap of each.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use calltrack::speech::{self, AnalysisConfig};
use criterion::{black_box, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Counts live heap bytes and their high-water mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak heap growth while `f` runs, in bytes.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - base)
}

const VOCAB: &[&str] = &[
    "да",
    "нет",
    "хорошо",
    "понимаю",
    "цена",
    "цену",
    "стоимость",
    "скидка",
    "окна",
    "окон",
    "установка",
    "монтаж",
    "гарантия",
    "договор",
    "подскажите",
    "пожалуйста",
    "спасибо",
    "сколько",
    "будет",
    "стоить",
    "можно",
    "нужно",
    "подумать",
    "дороговато",
    "конкурентов",
    "квартира",
    "доставка",
    "срок",
    "неделю",
    "завтра",
    "вариант",
    "предложить",
    "тариф",
    "рублей",
    "тысяч",
    "отлично",
    "конечно",
    "давайте",
    "уточню",
    "замер",
    "мастер",
    "приедет",
    "удобно",
    "время",
];

/// A 60-minute two-channel call in the Transcribe channel-identification shape: items per
/// channel in `channel_labels` and again, labelled, in `results.items` (as real outputs do).
fn generate_call(minutes: f64, seed: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut channels: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    let mut all: Vec<(f64, String)> = Vec::new();
    let (mut t, mut ch) = (0.7f64, 0usize);
    while t < minutes * 60.0 {
        let words = rng.gen_range(2..30);
        for k in 0..words {
            let w = VOCAB[rng.gen_range(0..VOCAB.len())];
            let len = 0.08 + 0.035 * w.chars().count() as f64 * rng.gen_range(0.7..1.3);
            let item = format!(
                r#"{{"channel_label":"ch_{ch}","start_time":"{:.2}","end_time":"{:.2}","alternatives":[{{"confidence":"{:.4}","content":"{w}"}}],"type":"pronunciation"}}"#,
                t,
                t + len,
                rng.gen_range(0.6..1.0)
            );
            channels[ch].push(item.clone());
            all.push((t, item));
            t += len + rng.gen_range(0.02..0.15);
            if k + 1 == words || rng.gen_bool(0.1) {
                let p = format!(
                    r#"{{"channel_label":"ch_{ch}","alternatives":[{{"confidence":"0.0","content":"."}}],"type":"punctuation"}}"#
                );
                channels[ch].push(p.clone());
                all.push((t - 0.001, p));
            }
        }
        // Next turn: usually a short pause, sometimes a long silence, sometimes talking over.
        t += match rng.gen_range(0..20) {
            0 => rng.gen_range(3.0..8.0),
            1 | 2 => -rng.gen_range(0.3..1.5),
            _ => rng.gen_range(0.1..1.2),
        };
        ch ^= 1;
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = String::with_capacity(all.len() * 400);
    out.push_str(r#"{"jobName":"bench-60-min","accountId":"111122223333","status":"COMPLETED","results":{"language_code":"ru-RU","transcripts":[{"transcript":"..."}],"channel_labels":{"channels":["#);
    for (n, items) in channels.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"channel_label":"ch_{n}","items":[{}]}}"#,
            items.join(",")
        );
    }
    out.push_str(r#"],"number_of_channels":2},"items":["#);
    let items: Vec<&str> = all.iter().map(|(_, s)| s.as_str()).collect();
    out.push_str(&items.join(","));
    out.push_str("]}}");
    out.into_bytes()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let bytes = generate_call(60.0, 5);
    let cfg = AnalysisConfig::for_language("ru-RU");
    let mb = bytes.len() as f64 / 1e6;

    // Sanity: the generated call is a real call to the analyser.
    let a = speech::analyse_json(&bytes, &cfg).expect("generated transcript parses");
    eprintln!(
        "generated call: {:.2} MB, {} s, {} + {} words, {} silences, {} interruptions, {} keywords",
        mb,
        a.duration_seconds,
        a.agent.words,
        a.customer.words,
        a.silences.len(),
        a.interruptions.len(),
        a.keywords.len()
    );

    // Same-run medians, interleaved so both see the same machine state.
    let runs = 15;
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t0 = Instant::now();
        black_box(speech::analyse_json(black_box(&bytes), &cfg).unwrap());
        ours.push(t0.elapsed());
        let t0 = Instant::now();
        black_box(serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).unwrap());
        bare.push(t0.elapsed());
    }
    let (ours, bare) = (median(ours), median(bare));
    let (_, peak_ours) = peak_of(|| speech::analyse_json(&bytes, &cfg).unwrap());
    let (_, peak_bare) = peak_of(|| serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
    eprintln!(
        "median of {runs}: parse+analyse {:.2} ms ({:.1} MB/s); serde_json::Value parse {:.2} ms \
         ({:.1} MB/s); ratio {:.2}x",
        ours.as_secs_f64() * 1e3,
        mb / ours.as_secs_f64(),
        bare.as_secs_f64() * 1e3,
        mb / bare.as_secs_f64(),
        ours.as_secs_f64() / bare.as_secs_f64()
    );
    eprintln!(
        "peak heap: parse+analyse {:.1} MB; serde_json::Value parse {:.1} MB (input {:.1} MB)",
        peak_ours as f64 / 1e6,
        peak_bare as f64 / 1e6,
        mb
    );

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut g = c.benchmark_group("speech_60min_2ch");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse_and_analyse", |b| {
        b.iter(|| speech::analyse_json(black_box(&bytes), &cfg).unwrap())
    });
    g.bench_function("serde_json_value_parse", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).unwrap())
    });
    g.bench_function("parse_only", |b| {
        b.iter(|| speech::parse(black_box(&bytes)).unwrap())
    });
    g.finish();
    c.final_summary();
}
