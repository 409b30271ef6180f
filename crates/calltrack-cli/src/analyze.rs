//! `calltrack analyze`: speech analytics of one Amazon Transcribe output file.

use std::path::PathBuf;

use calltrack::speech::{self, Analysis, AnalysisConfig};

use crate::exit::{print_json, CmdResult, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// An Amazon Transcribe output file (standard or Call Analytics JSON).
    pub transcript: PathBuf,
    /// A TOML or JSON file laid over the language's default configuration (docs/speech.md).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Language of the call (ru-RU, en-US...); default: the file's language_code, else en-US.
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
    /// With channel identification: the agent's channel.
    #[arg(long, value_name = "0|1")]
    pub agent_channel: Option<u32>,
    /// With speaker labels: the agent's speaker (default: the first to talk).
    #[arg(long, value_name = "spk_N")]
    pub agent_speaker: Option<String>,
}

pub fn run(args: &Args, json: bool) -> CmdResult {
    let path = args.transcript.display();
    let bytes = std::fs::read(&args.transcript)
        .map_err(|e| Failure::Invalid(format!("cannot read {path}: {e}")))?;
    let transcript = speech::parse(&bytes).map_err(|e| Failure::Invalid(format!("{path}: {e}")))?;
    let language = args
        .language
        .clone()
        .or_else(|| transcript.language_code.clone())
        .unwrap_or_else(|| "en-US".to_string());
    let mut cfg = AnalysisConfig::for_language(&language);
    if let Some(file) = &args.config {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Failure::Invalid(format!("cannot read {}: {e}", file.display())))?;
        cfg = cfg
            .overridden_by(&text)
            .map_err(|e| Failure::Invalid(format!("{}: {e}", file.display())))?;
        cfg.language = language;
    }
    if let Some(ch) = args.agent_channel {
        cfg.agent_channel = ch;
    }
    if let Some(spk) = &args.agent_speaker {
        cfg.agent_speaker = Some(spk.clone());
    }
    let analysis = speech::analyse(&transcript, &cfg);
    if json {
        print_json(&analysis)
    } else {
        print!("{}", summary(&analysis));
        Ok(())
    }
}

/// The analysis for a person reading a terminal.
fn summary(a: &Analysis) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
    let _ = writeln!(
        s,
        "score {}/100   script {}/100   duration {} s   language {}{}",
        a.score,
        a.script.score,
        a.duration_seconds,
        a.language,
        if a.partial { "   PARTIAL" } else { "" }
    );
    for w in &a.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    for (name, side) in [("agent", &a.agent), ("customer", &a.customer)] {
        let _ = writeln!(
            s,
            "{name:<9} talk {} s, {} words, {} wpm, longest monologue {} s",
            side.talk_seconds,
            side.words,
            opt(side.words_per_minute),
            side.longest_monologue_seconds
        );
    }
    let _ = writeln!(
        s,
        "talk/listen {}   non-talk {} s   overtalk {:.1}%",
        opt(a.talk_to_listen),
        a.non_talk_seconds,
        a.overtalk_share * 100.0
    );
    for x in &a.silences {
        let _ = writeln!(s, "silence   {} s at {} s", x.seconds, x.start);
    }
    for i in &a.interruptions {
        let _ = writeln!(
            s,
            "interrupt by {} at {} s ({} s overlap)",
            i.by.as_str(),
            i.at,
            i.overlap_seconds
        );
    }
    for k in &a.keywords {
        let _ = writeln!(
            s,
            "keyword   {} \"{}\" ({}) by {} at {} s",
            k.category,
            k.evidence(),
            k.phrase,
            k.side.as_str(),
            k.at
        );
    }
    for st in &a.script.stages {
        let mark = if st.found { "ok  " } else { "MISS" };
        let _ = writeln!(s, "script {mark} {}: {}", st.name, st.reason);
    }
    for o in &a.objections {
        let handled = if o.handled {
            "answered"
        } else {
            "NOT answered"
        };
        let _ = writeln!(s, "objection {} at {} s, {handled}", o.kind, o.at);
    }
    if a.complaint {
        let _ = writeln!(s, "complaint");
    }
    if a.conflict {
        let _ = writeln!(s, "conflict");
    }
    for r in &a.reasons {
        let _ = writeln!(s, "-{:<6} {} ({})", r.points, r.message, r.code);
    }
    s
}
