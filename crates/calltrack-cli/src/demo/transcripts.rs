//! The demo's conversations: dialogues turned into two-channel Amazon Transcribe outputs, put in
//! the blob store and scored by the real transcription pipeline.

use super::*;

/// What the demo's managers say: three kinds of conversation, as (side, seconds in, words).
pub(super) const DIALOGUES: [&[(u8, f64, &str)]; 3] = [
    &[
        (
            0,
            1.0,
            "Good morning, Demo Plumbing, my name is Anna. How can I help you today?",
        ),
        (
            1,
            5.5,
            "Hi, my kitchen sink is leaking and I need someone to fix it.",
        ),
        (
            0,
            10.0,
            "I understand. Could you tell me where exactly the leak is?",
        ),
        (1, 14.0, "Under the sink, where the pipes join."),
        (
            0,
            17.5,
            "We can send a plumber at three today. The visit is eighty dollars.",
        ),
        (1, 22.0, "That is a bit expensive."),
        (
            0,
            24.5,
            "I understand. The fee includes the parts and a one year guarantee on the work.",
        ),
        (1, 30.0, "Okay, that works for me."),
        (
            0,
            32.5,
            "Great, I will book the visit for three. Thank you for calling, have a nice day.",
        ),
        (1, 38.0, "Thanks, bye."),
    ],
    &[
        (0, 4.5, "Demo Plumbing."),
        (1, 6.0, "Hello, how much do you charge for a boiler repair?"),
        (0, 9.0, "It is two hundred dollars."),
        (
            1,
            11.5,
            "That is too expensive, another company quoted me less.",
        ),
        (0, 15.0, "Okay."),
        (1, 19.5, "I will think about it and call back later."),
        (0, 23.0, "Bye."),
    ],
    &[
        (0, 1.0, "Hello, Demo Plumbing, this is Mark speaking."),
        (
            1,
            3.5,
            "I want to complain. Your plumber never showed up yesterday, this is unacceptable.",
        ),
        (0, 8.0, "Which address was it?"),
        (
            1,
            9.0,
            "I waited all day, nobody called, I want to speak to your manager.",
        ),
        (0, 14.5, "Please hold."),
    ],
];

/// A two-channel Amazon Transcribe output for one dialogue (channel identification shape).
pub(super) fn transcript_json(dialogue: &[(u8, f64, &str)]) -> serde_json::Value {
    let mut channels: [Vec<serde_json::Value>; 2] = [vec![], vec![]];
    let mut text = vec![];
    for (side, start, line) in dialogue {
        let mut t = *start;
        for word in line.split_whitespace() {
            let (w, punct) = match word.strip_suffix(|c: char| ".,?!".contains(c)) {
                Some(w) => (w, word.chars().last()),
                None => (word, None),
            };
            let end = t + 0.12 + 0.055 * w.len() as f64;
            channels[*side as usize].push(
                json!({"start_time": format!("{t:.2}"), "end_time": format!("{end:.2}"),
                "alternatives": [{"confidence": "0.98", "content": w}], "type": "pronunciation"}),
            );
            if let Some(p) = punct {
                channels[*side as usize].push(json!({"alternatives": [{"confidence": "0.0", "content": p.to_string()}], "type": "punctuation"}));
            }
            t = end + 0.08;
        }
        text.push(*line);
    }
    json!({"jobName": "demo", "status": "COMPLETED", "results": {
        "language_code": "en-US",
        "transcripts": [{"transcript": text.join(" ")}],
        "channel_labels": {"number_of_channels": 2, "channels": [
            {"channel_label": "ch_0", "items": channels[0]},
            {"channel_label": "ch_1", "items": channels[1]},
        ]},
    }})
}

/// Every answered call is recorded; a share of them is transcribed here (standing in for Amazon
/// Transcribe, which the embedded backend does not have) and analysed by the real pipeline:
/// the transcript lands in the blob store and `transcription::on_transcript` scores it.
pub(super) async fn transcribe_some(
    ports: &Ports,
    tenant: &Tenant,
    from: NaiveDate,
    until: NaiveDate,
    seed: u64,
) -> Result<usize, Failure> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7e57);
    let (start, end) = roi::day_bounds(tenant, from, until);
    let mut n = 0;
    for call in ports.store.calls_between(&tenant.id, start, end).await? {
        if call.outcome != Outcome::Answered
            || call.direction != Direction::Inbound
            || !rng.gen_bool(0.3)
        {
            continue;
        }
        let dialogue = DIALOGUES[[0, 0, 0, 0, 1, 1, 2].choose(&mut rng).copied().unwrap_or(0)];
        let key = calltrack::blobs::transcript_key(&tenant.id, &call.id);
        let bytes = serde_json::to_vec(&transcript_json(dialogue)).map_err(anyhow::Error::from)?;
        ports.blobs.put(&key, bytes, "application/json").await?;
        calltrack::transcription::on_transcript(&*ports.store, &*ports.blobs, &key)
            .await
            .map_err(|e| Failure::Other(e.into()))?;
        n += 1;
    }
    Ok(n)
}
