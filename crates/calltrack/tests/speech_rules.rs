//! The context rules of the analyser, one behaviour per call written for it: what a hedge, an
//! approving word and interruptions by both sides mean for objections and conflict.

use calltrack::speech::{self, Analysis, AnalysisConfig};

fn analyse(script: &str) -> Analysis {
    let d = speech::parse_script(script).unwrap().remove(0);
    let json = serde_json::to_vec(&speech::transcribe_json(&d.lines, &d.language)).unwrap();
    speech::analyse_json(&json, &AnalysisConfig::for_language(&d.language)).unwrap()
}

fn kinds(a: &Analysis) -> Vec<&str> {
    a.objections.iter().map(|o| o.kind.as_str()).collect()
}

#[test]
fn a_hedge_in_another_clause_of_the_sentence_makes_the_objection() {
    let a = analyse(
        "== x | en-US | -\n\
         A: The plan starts on Monday and includes two lessons a week.\n\
         C: We could start later, I guess.\n",
    );
    assert_eq!(kinds(&a), ["timing"], "{:?}", a.objections);
    let without_hedge = analyse(
        "== x | en-US | -\n\
         A: The plan starts on Monday and includes two lessons a week.\n\
         C: We could start later. I guess that works.\n",
    );
    assert!(
        without_hedge.objections.is_empty(),
        "a hedge in the next sentence is not this one's: {:?}",
        without_hedge.objections
    );
}

#[test]
fn an_approving_word_before_a_hedge_does_not_take_the_objection_back() {
    let a = analyse(
        "== x | en-US | -\n\
         A: The full course is four hundred, with the materials.\n\
         C: Okay. I'll talk to my husband and call you back.\n",
    );
    assert_eq!(kinds(&a), ["timing"], "{:?}", a.objections);
}

#[test]
fn three_interruptions_by_both_sides_in_turn_are_a_conflict_with_its_reason() {
    let a = analyse(
        "== x | en-US | -\n\
         A: Hello, this is Nick at the equipment store.\n\
         C: I bought a treadmill from you last month and the belt keeps\n\
         A-1.1: Right, so for belt issues we sell a lubrication kit.\n\
         C-0.8: No, listen, it is slipping, it is not about the kit at all\n\
         A-0.8: The kit fixes slipping in nearly every case we see.\n",
    );
    let by: Vec<_> = a.interruptions.iter().map(|i| i.by).collect();
    assert_eq!(by.len(), 3, "{:?}", a.interruptions);
    assert!(by.iter().any(|s| *s != by[0]), "both sides interrupt");
    assert!(a.conflict);
    let reason = a.reasons.iter().find(|r| r.code == "conflict").unwrap();
    assert!(
        reason
            .message
            .contains("the agent and the customer talked over each other 3 times within 60 s"),
        "{}",
        reason.message
    );
}
