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

#[test]
fn a_figure_echoed_back_as_a_question_is_a_price_objection_unless_the_caller_then_accepts_it() {
    let quote = "A: A full clean of the carpets is four hundred and twenty.\n";
    let a = analyse(&format!(
        "== x | en-US | -\n{quote}C: Four hundred and twenty? We had something much smaller in mind.\n"
    ));
    assert_eq!(kinds(&a), ["price"], "{:?}", a.objections);
    assert!(
        a.objections[0].said.starts_with("Four hundred and twenty?"),
        "the evidence is what the caller said: {}",
        a.objections[0].said
    );
    let accepted = analyse(&format!(
        "== x | en-US | -\n{quote}C: Four hundred and twenty? Okay, that's fine.\n"
    ));
    assert!(accepted.objections.is_empty(), "{:?}", accepted.objections);
    let ru = analyse(
        "== x | ru-RU | -\n\
         A: Ремонт под ключ выйдет в двести сорок тысяч.\n\
         C: Двести сорок тысяч? Нам говорили совсем другие цифры.\n",
    );
    assert_eq!(kinds(&ru), ["price"], "{:?}", ru.objections);
    let not_a_figure = analyse(
        "== x | en-US | -\n\
         A: What's the postcode there?\n\
         C: Sorry? It's the one by the station.\n",
    );
    assert!(
        not_a_figure.objections.is_empty(),
        "{:?}",
        not_a_figure.objections
    );
}

#[test]
fn a_competitor_named_beside_what_it_offered_objects_without_a_negative_word() {
    let a = analyse(
        "== x | en-US | -\n\
         A: A weekly visit is sixty.\n\
         C: Another agency gave me a quote of fifty for the same.\n",
    );
    assert_eq!(kinds(&a), ["competitor"], "{:?}", a.objections);
    let no_offer = analyse(
        "== x | en-US | -\n\
         A: A weekly visit is sixty.\n\
         C: Right. Another question, do you bring the supplies?\n",
    );
    assert!(no_offer.objections.is_empty(), "{:?}", no_offer.objections);
}

#[test]
fn a_failure_said_with_its_repetition_is_a_complaint_unless_the_turn_weighs_an_offer() {
    let a = analyse(
        "== x | ru-RU | -\n\
         A: Служба поддержки, здравствуйте.\n\
         C: У меня опять не работает телевидение, это уже неделю так.\n",
    );
    assert!(a.complaint);
    let reason = a.reasons.iter().find(|r| r.code == "complaint").unwrap();
    assert!(
        reason.message.contains("не работает") && reason.message.contains("опять"),
        "the reason carries both halves of the evidence: {}",
        reason.message
    );
    let weighing = analyse(
        "== x | en-US | -\n\
         A: The repair is around two hundred with labour.\n\
         C: What warranty do I get? The last company fixed it and it broke again.\n",
    );
    assert!(!weighing.complaint, "{:?}", weighing.reasons);
}

#[test]
fn a_name_said_the_way_agents_say_it_is_the_introduction() {
    for opening in [
        "A: Maple Vet Clinic, Sarah here.\n",
        "A: Hi there, Green Pest Control, you're talking to Ben.\n",
    ] {
        let a = analyse(&format!(
            "== x | en-US | -\n{opening}C: Hi, I need an appointment.\n"
        ));
        let intro = a
            .script
            .stages
            .iter()
            .find(|s| s.name == "introduction")
            .unwrap();
        assert!(intro.found, "{opening}: {}", intro.reason);
    }
    let a = analyse(
        "== x | en-US | -\n\
         A: Maple Vet Clinic, we are here until six.\n\
         C: Hi, I need an appointment.\n",
    );
    let intro = a
        .script
        .stages
        .iter()
        .find(|s| s.name == "introduction")
        .unwrap();
    assert!(!intro.found, "{}", intro.reason);
}

#[test]
fn a_road_is_not_a_price() {
    let a = analyse(
        "== x | ru-RU | -\n\
         A: Такси, здравствуйте.\n\
         C: Водитель высадил меня посреди дороги и уехал!\n",
    );
    assert!(!kinds(&a).contains(&"price"), "{:?}", a.objections);
}

#[test]
fn a_reason_quotes_the_words_the_customer_said_not_the_dictionary_pattern() {
    let a = analyse(
        "== x | en-US | -\n\
         A: Good morning, Acme Heating, Sarah speaking.\n\
         C: I'm calling to complain. Put me through to your manager, please.\n",
    );
    let hit = a
        .keywords
        .iter()
        .find(|k| k.phrase == "complain*")
        .expect("complain* matched");
    assert_eq!(hit.said, "complain");
    let complaint = a.reasons.iter().find(|r| r.code == "complaint").unwrap();
    assert!(
        complaint.message.contains("(\"complain\" at ") && !complaint.message.contains('*'),
        "{}",
        complaint.message
    );
    let conflict = a.reasons.iter().find(|r| r.code == "conflict").unwrap();
    assert!(
        conflict.message.contains("(\"your manager\" at "),
        "no trailing comma from the transcript: {}",
        conflict.message
    );
}

#[test]
fn a_clause_that_puts_the_decision_off_is_timing_even_after_approval_and_beside_a_price_word() {
    let a = analyse(
        "== x | en-US | -\n\
         A: Our team plan for twenty people would be three hundred a month.\n\
         C: It looks good, but our new budget doesn't start until April.\n",
    );
    assert_eq!(kinds(&a), ["timing"], "{:?}", a.objections);
    let approved = analyse(
        "== x | en-US | -\n\
         A: Our team plan for twenty people would be three hundred a month.\n\
         C: That looks good. We can start in April.\n",
    );
    assert!(approved.objections.is_empty(), "{:?}", approved.objections);
}

#[test]
fn a_named_firm_with_what_it_quoted_objects_and_a_named_town_or_bank_does_not() {
    for (script, want) in [
        (
            "== x | ru-RU | -\nA: Балкон обойдётся в девяносто пять тысяч.\n\
             C: Нам в Окнах Века посчитали за восемьдесят.\n",
            vec!["competitor"],
        ),
        (
            "== x | en-US | -\nA: The full set is nine hundred.\n\
             C: Well, Harlow Kitchens quoted me seven hundred.\n",
            vec!["competitor"],
        ),
        (
            "== x | ru-RU | -\nA: Где вы находитесь и сколько окон?\nC: Мы в Твери, нужно три окна.\n",
            vec![],
        ),
        (
            "== x | en-US | -\nA: The full set is nine hundred.\n\
             C: We live in Leeds, with two kids, so we need the big one.\n",
            vec![],
        ),
    ] {
        assert_eq!(kinds(&analyse(script)), want, "{script}");
    }
}

#[test]
fn not_sure_why_they_would_switch_weighs_a_competitor_not_trust() {
    let a = analyse(
        "== x | en-US | -\n\
         A: Full cover would be nineteen pounds a month with us.\n\
         C: Right, they're asking about the same, so I'm not sure why I'd move.\n",
    );
    assert_eq!(kinds(&a), ["competitor"], "{:?}", a.objections);
}

#[test]
fn an_expectation_still_unmet_is_a_complaint_unless_the_customer_is_deciding() {
    let a = analyse(
        "== x | ru-RU | -\n\
         A: Диспетчерская, здравствуйте.\n\
         C: Я подавала заявку ещё в понедельник, и никто так и не пришёл.\n",
    );
    assert!(a.complaint, "{:?}", a.reasons);
    let refund = analyse(
        "== x | en-US | -\n\
         A: Hello, customer care.\n\
         C: I returned the jacket two weeks ago and the refund still hasn't come through.\n",
    );
    assert!(refund.complaint, "{:?}", refund.reasons);
    let deciding = analyse(
        "== x | en-US | -\n\
         A: The course is four hundred for ten weeks.\n\
         C: I still haven't decided, to be honest.\n",
    );
    assert!(!deciding.complaint, "{:?}", deciding.reasons);
    assert_eq!(kinds(&deciding), ["timing"], "{:?}", deciding.objections);
}

#[test]
fn a_price_remark_before_the_agent_names_a_figure_is_why_they_call_not_an_objection() {
    let before = analyse(
        "== x | en-US | -\n\
         A: Good afternoon, Harper accountants, this is Simon.\n\
         C: Last year my accountant was far too expensive, so I'm looking for someone new.\n\
         A: Happy to help. We do the year-end accounts for six hundred and fifty.\n\
         C: Oh, that's a lot better.\n",
    );
    assert!(before.objections.is_empty(), "{:?}", before.objections);
    let after = analyse(
        "== x | en-US | -\n\
         A: We do the year-end accounts for six hundred and fifty.\n\
         C: That's far too expensive for me.\n",
    );
    assert_eq!(kinds(&after), ["price"], "{:?}", after.objections);
}

#[test]
fn a_contract_is_not_an_agreement_so_a_story_of_vanished_builders_still_objects() {
    // The stemmer gives "договорились" (agreed) and "договор" (a contract) one stem; approval
    // is written as the verb's prefix so that asking for a contract approves nothing.
    let a = analyse(
        "== x | ru-RU | -\n\
         A: Ремонт ванной под ключ у нас от ста восьмидесяти тысяч с материалами.\n\
         C: А вы договор заключаете? Знакомых одни мастера взяли аванс и пропали.\n",
    );
    assert_eq!(kinds(&a), ["trust"], "{:?}", a.objections);
    assert!(
        a.objections[0].said.contains("пропали"),
        "{:?}",
        a.objections
    );
}

#[test]
fn another_place_and_a_head_count_are_not_a_competitors_quote() {
    let a = analyse(
        "== x | ru-RU | -\n\
         A: Транспортная компания Вектор, здравствуйте.\n\
         C: Нам надо перевезти офис, двадцать рабочих мест, в другой бизнес-центр.\n",
    );
    assert!(a.objections.is_empty(), "{:?}", a.objections);
    let quoted = analyse(
        "== x | ru-RU | -\n\
         A: Переезд под ключ получится сто двадцать тысяч.\n\
         C: В другой фирме нам посчитали восемьдесят.\n",
    );
    assert_eq!(kinds(&quoted), ["competitor"], "{:?}", quoted.objections);
}

#[test]
fn a_lower_figure_after_the_agents_is_a_price_objection_and_a_time_or_an_approved_one_is_not() {
    let quote = "A: Re-plastering the two rooms comes to eleven thousand, materials included.\n";
    let hoped = analyse(&format!(
        "== x | en-US | -\n{quote}C: Right. We had something nearer six in our heads.\n"
    ));
    assert_eq!(kinds(&hoped), ["price"], "{:?}", hoped.objections);
    assert!(hoped.objections[0].said.contains("nearer six"));
    let time = analyse(&format!(
        "== x | en-US | -\n{quote}C: Fine. Could the plasterer start on Monday after nine?\n"
    ));
    assert!(time.objections.is_empty(), "{:?}", time.objections);
    let deposit = analyse(
        "== x | en-US | -\n\
         A: The course is six hundred, paid up front.\n\
         C: Perfect, and could I pay two hundred now and the rest in May?\n",
    );
    assert!(deposit.objections.is_empty(), "{:?}", deposit.objections);
    let times = analyse(
        "== x | en-US | -\n\
         A: The repair is two hundred, parts included.\n\
         C: Okay, book it please.\n\
         A: The engineer can be there at nine.\n\
         C: Could he come at eight instead?\n",
    );
    assert!(times.objections.is_empty(), "{:?}", times.objections);
    let said_back = analyse(
        "== x | en-US | -\n\
         A: Membership is forty nine a month.\n\
         C: Okay.\n\
         A: And we're open twenty four hours.\n\
         C: Twenty four hours would really help with my shifts.\n",
    );
    assert!(
        said_back.objections.is_empty(),
        "{:?}",
        said_back.objections
    );
    let answer = analyse(
        "== x | en-US | -\n\
         A: The course is six hundred. What were you planning to spend?\n\
         C: About four hundred.\n",
    );
    assert!(answer.objections.is_empty(), "{:?}", answer.objections);
}

#[test]
fn a_lower_figure_someone_else_offered_is_a_competitors_quote() {
    let a = analyse(
        "== x | ru-RU | -\n\
         A: Покраска двух дверей выйдет в двенадцать тысяч.\n\
         C: Хм. Мне в мастерской у дома за девять предлагали.\n",
    );
    assert_eq!(kinds(&a), ["competitor"], "{:?}", a.objections);
}
