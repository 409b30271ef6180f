//! A Transcribe output document through the parser and the analyser (Russian and English
//! dictionaries). Nothing may panic, whatever the JSON says.
#![no_main]

use calltrack::speech::{analyse_json, AnalysisConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, doc)) = data.split_first() else {
        return;
    };
    let cfg = AnalysisConfig::for_language(if mode & 1 == 1 { "ru-RU" } else { "en-US" });
    let _ = analyse_json(doc, &cfg);
});
