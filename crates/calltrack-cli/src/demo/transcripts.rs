//! The demo's conversations: dialogues turned into two-channel Amazon Transcribe outputs, put in
//! the blob store and scored by the real transcription pipeline.

use super::*;
use calltrack::speech::{spoken_seconds, transcribe_json, Line, Side};

fn pick<'a>(rng: &mut ChaCha8Rng, options: &[&'a str]) -> &'a str {
    options.choose(rng).copied().unwrap_or("")
}

/// One call's conversation, composed the way real weeks vary: greetings said in several ways or
/// skipped, needs asked or not, an offer or none, objections of each kind answered or let go,
/// a booking or not, long silences, the agent talking over the customer, and now and then a
/// complaint. So the analysis (and the report's calls to listen to) shows a spread, not one
/// script repeated.
pub(super) fn compose(rng: &mut ChaCha8Rng) -> Vec<Line> {
    let agent = pick(rng, &["Anna", "Mark", "Olga", "Sam", "Priya"]);
    let mut lines: Vec<Line> = vec![];
    let mut t: f64 = rng.gen_range(0.5..2.5);
    let mut say = |text: String, side: u8, rng: &mut ChaCha8Rng, lines: &mut Vec<Line>| {
        // Sometimes a long pause before the line; sometimes the agent starts before the
        // customer has finished.
        let gap = match rng.gen_range(0..20) {
            0 => rng.gen_range(5.0..11.0),
            1..=2 if side == 0 => -0.9,
            _ => rng.gen_range(0.3..1.2),
        };
        t = (t + gap).max(0.0);
        let side = if side == 0 {
            Side::Agent
        } else {
            Side::Customer
        };
        lines.push(Line {
            side,
            start: t,
            text: text.clone(),
        });
        t += spoken_seconds(&text);
    };
    if rng.gen_bool(0.08) {
        // A complaint, handled well or badly.
        say(
            format!(
                "{}, Demo Plumbing.",
                pick(rng, &["Hello", "Good afternoon", "Yes"])
            ),
            0,
            rng,
            &mut lines,
        );
        say(pick(rng, &[
            "I want to complain. Your plumber never showed up yesterday, this is unacceptable.",
            "This is the third time I call. The heater you installed is leaking again and nobody called me back.",
            "I am really disappointed, the bill is twice what you quoted me.",
            "You charged my card twice for Tuesday's visit and I want a refund.",
            "The tap your guy fixed on Monday is dripping again, I took a day off work for that.",
            "I have been waiting since eight for your technician and nobody even phoned to say he is late.",
        ]).into(), 1, rng, &mut lines);
        match rng.gen_range(0..4) {
            0 | 1 => {
                say(pick(rng, &[
                    "I am sorry to hear that. Let me check your order and we can send someone first thing tomorrow at no charge.",
                    "I apologise, that should not have happened. I can see the visit here, I will refund the second payment today.",
                    "That is our mistake, sorry. Our senior plumber can come this afternoon and there will be no charge for it.",
                ]).into(), 0, rng, &mut lines);
                say(
                    pick(
                        rng,
                        &[
                            "Fine, but this has to be the last time.",
                            "Okay. Please make sure he actually comes.",
                            "Alright, thank you for sorting it out.",
                        ],
                    )
                    .into(),
                    1,
                    rng,
                    &mut lines,
                );
                say(
                    "It will be. Thank you for your patience, goodbye.".into(),
                    0,
                    rng,
                    &mut lines,
                );
            }
            2 => {
                say(
                    pick(rng, &["Which address?", "What is the order number?"]).into(),
                    0,
                    rng,
                    &mut lines,
                );
                say(
                    pick(rng, &[
                        "I waited all day, I want to speak to your manager.",
                        "I gave it to you twice already. Put me through to a supervisor, please.",
                        "Forget it, I will file a complaint with the consumer office.",
                    ])
                    .into(),
                    1,
                    rng,
                    &mut lines,
                );
                say("Please hold.".into(), 0, rng, &mut lines);
            }
            _ => {
                // The agent argues, and the customer talks over them.
                say(
                    "Our records show the technician was there on time.".into(),
                    0,
                    rng,
                    &mut lines,
                );
                say(
                    "He was not, I was home the whole day, you are not listening to me.".into(),
                    1,
                    rng,
                    &mut lines,
                );
                say(
                    "Well, I can only go by what the system says.".into(),
                    0,
                    rng,
                    &mut lines,
                );
            }
        }
        return lines;
    }
    let greeting = match rng.gen_range(0..10) {
        0..=5 => format!(
            "{}, Demo Plumbing, {} {agent}. {}",
            pick(
                rng,
                &[
                    "Good morning",
                    "Hello",
                    "Good afternoon",
                    "Thanks for calling"
                ]
            ),
            pick(rng, &["my name is", "this is"]),
            pick(
                rng,
                &[
                    "How can I help you today?",
                    "What can I do for you?",
                    "How may I help?"
                ]
            )
        ),
        6..=7 => pick(rng, &["Demo Plumbing, hello.", "Hi, Demo Plumbing."]).to_string(),
        _ => pick(rng, &["Yes?", "Demo Plumbing."]).to_string(),
    };
    say(greeting, 0, rng, &mut lines);
    say(
        pick(
            rng,
            &[
                "Hi, my kitchen sink is leaking and I need someone to fix it.",
                "Hello, how much do you charge for a boiler repair?",
                "Our drain is blocked in the bathroom, can you come out this week?",
                "I need a new water heater installed, the old one stopped working.",
                "There is water coming through the ceiling from upstairs, it is urgent.",
            ],
        )
        .into(),
        1,
        rng,
        &mut lines,
    );
    if rng.gen_bool(0.7) {
        say(
            pick(
                rng,
                &[
                    "I see. Could you tell me where exactly the leak is?",
                    "Sure. Can you tell me how old the unit is?",
                    "Of course. Which floor is the apartment on?",
                    "May I ask when it started?",
                ],
            )
            .into(),
            0,
            rng,
            &mut lines,
        );
        say(
            pick(
                rng,
                &[
                    "Under the sink, where the pipes join.",
                    "About ten years, I think.",
                    "Second floor, the building has no lift.",
                    "Since this morning.",
                ],
            )
            .into(),
            1,
            rng,
            &mut lines,
        );
    }
    let offered = rng.gen_bool(0.8);
    if offered {
        say(pick(rng, &[
            "We can send a plumber at three today. The visit is eighty dollars.",
            "It is two hundred dollars for the repair, parts included.",
            "A technician can be there tomorrow morning, the call out fee is sixty dollars.",
            "Installation is four hundred dollars and takes about half a day.",
        ]).into(), 0, rng, &mut lines);
    }
    let objection = if offered { rng.gen_range(0..8) } else { 9 };
    let raised = match objection {
        0..=1 => Some(pick(
            rng,
            &[
                "That is a bit expensive.",
                "Hmm, that is too much for me.",
                "Can you do it cheaper?",
            ],
        )),
        2 => Some(pick(
            rng,
            &[
                "I will think about it and call back later.",
                "Not right now, maybe next month.",
            ],
        )),
        3 => Some(pick(
            rng,
            &[
                "Another company quoted me less.",
                "We already work with someone else for the boiler.",
            ],
        )),
        4 => Some(pick(
            rng,
            &[
                "I am not sure, I have never heard of you.",
                "How do I know the work will hold?",
            ],
        )),
        _ => None,
    };
    let mut booked = offered && raised.is_none() && rng.gen_bool(0.7);
    if let Some(o) = raised {
        say(o.into(), 1, rng, &mut lines);
        if rng.gen_bool(0.55) {
            say(pick(rng, &[
                "I understand. The fee includes the parts and a one year guarantee on the work.",
                "I see your point. In fact we can take ten percent off if you book today.",
                "Good question. Let me explain, every job comes with a written guarantee and you pay after.",
            ]).into(), 0, rng, &mut lines);
            booked = rng.gen_bool(0.7);
            say(
                if booked {
                    "Okay, that works for me."
                } else {
                    "I still need to think."
                }
                .into(),
                1,
                rng,
                &mut lines,
            );
        } else {
            say(
                pick(rng, &["Okay.", "Alright.", "Sure."]).into(),
                0,
                rng,
                &mut lines,
            );
        }
    }
    if booked {
        say(pick(rng, &[
            "Great, I will book the visit for three. Thank you for calling, have a nice day.",
            "Perfect, you are booked for tomorrow at nine. Thanks for calling, goodbye.",
            "Done, the technician will call you thirty minutes before. Have a good day.",
        ]).into(), 0, rng, &mut lines);
        say(
            pick(rng, &["Thanks, bye.", "Thank you.", "Great, see you then."]).into(),
            1,
            rng,
            &mut lines,
        );
    } else if rng.gen_bool(0.5) {
        say(
            pick(
                rng,
                &[
                    "Thanks for calling, goodbye.",
                    "Call us any time, have a good day.",
                ],
            )
            .into(),
            0,
            rng,
            &mut lines,
        );
    } else {
        say("Bye.".into(), 0, rng, &mut lines);
    }
    lines
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
        let dialogue = compose(&mut rng);
        let key = calltrack::blobs::transcript_key(&tenant.id, &call.id);
        let bytes = serde_json::to_vec(&transcribe_json(&dialogue, "en-US"))
            .map_err(anyhow::Error::from)?;
        ports.blobs.put(&key, bytes, "application/json").await?;
        calltrack::transcription::on_transcript(&*ports.store, &*ports.blobs, &*ports.ai, &key)
            .await
            .map_err(|e| Failure::Other(e.into()))?;
        n += 1;
    }
    Ok(n)
}
