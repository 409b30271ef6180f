//! `calltrack calls`, `calltrack report`, `calltrack loss`: the call log and the ROI report from
//! a terminal, read from the store the API and Lambdas write.

use calltrack::calls::{missed_state, MissedState};
use calltrack::exports::ExportKind;
use calltrack::loss::{LossInputs, WhatIf};
use calltrack::model::*;
use calltrack::ports::CallCursor;
use calltrack::report::build_by;
use calltrack::roi::{self, day_bounds};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::backend;
use crate::exit::{print_json, CmdResult, Failure};
use crate::Globals;

#[derive(Debug, Subcommand)]
pub enum CallsCmd {
    /// Calls of a period, newest last.
    List(ListArgs),
    /// One call in full: attribution, outcome, durations, analysis.
    Show { tenant: String, call_id: String },
}

#[derive(Debug, Args)]
pub struct Period {
    /// First day (YYYY-MM-DD, tenant's zone); default 6 days before --to.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive; default today.
    #[arg(long)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    pub tenant: String,
    #[command(flatten)]
    pub period: Period,
    /// Only calls with this outcome (answered, short, missed, failed).
    #[arg(long)]
    pub outcome: Option<String>,
    /// Only calls of this channel (google/cpc, billboard).
    #[arg(long)]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    pub tenant: String,
    #[command(flatten)]
    pub period: Period,
    /// Output format (`--json` is the same as `--format json`).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Rows by channel (the default) or by another dimension; JSON then has `group_by` and
    /// `groups` in place of `channels`.
    #[arg(long, value_enum, default_value_t = GroupBy::Channel)]
    pub group_by: GroupBy,
}

/// What `report --group-by` accepts: the rollups' dimensions.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GroupBy {
    Channel,
    Campaign,
    Keyword,
    Number,
    Landing,
    Manager,
    /// The caller's first channel (named as the API names it).
    #[value(name = "first_touch")]
    FirstTouch,
}

impl From<GroupBy> for Dimension {
    fn from(g: GroupBy) -> Self {
        match g {
            GroupBy::Channel => Dimension::Channel,
            GroupBy::Campaign => Dimension::Campaign,
            GroupBy::Keyword => Dimension::Keyword,
            GroupBy::Number => Dimension::Number,
            GroupBy::Landing => Dimension::Landing,
            GroupBy::Manager => Dimension::Manager,
            GroupBy::FirstTouch => Dimension::FirstTouch,
        }
    }
}

/// `export KIND TENANT`: a platform's upload file for a period.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The platform's format.
    #[arg(value_enum)]
    pub kind: ExportKindArg,
    pub tenant: String,
    #[command(flatten)]
    pub period: Period,
    /// The conversion's name as set up in the ad platform (GA4: made an event name).
    #[arg(long, default_value = calltrack::exports::DEFAULT_GOAL)]
    pub goal: String,
}

/// The export kinds, as `calltrack export` names them.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportKindArg {
    GoogleAds,
    GoogleAdsCalls,
    YandexOffline,
    YandexCalls,
    Ga4,
}

impl From<ExportKindArg> for ExportKind {
    fn from(k: ExportKindArg) -> Self {
        match k {
            ExportKindArg::GoogleAds => ExportKind::GoogleAds,
            ExportKindArg::GoogleAdsCalls => ExportKind::GoogleAdsCalls,
            ExportKindArg::YandexOffline => ExportKind::YandexOffline,
            ExportKindArg::YandexCalls => ExportKind::YandexCalls,
            ExportKindArg::Ga4 => ExportKind::Ga4,
        }
    }
}

/// `loss TENANT` reads the tenant's lost calls; `loss` with the six what-if flags and no tenant
/// computes the estimate for stated figures (docs in `calltrack::loss`).
#[derive(Debug, Args)]
pub struct LossArgs {
    /// The tenant whose missed calls to read; without one, give the six what-if flags.
    pub tenant: Option<String>,
    #[command(flatten)]
    pub period: Period,
    /// What-if: deals a month the business would win if it answered every call.
    #[arg(long, allow_negative_numbers = true)]
    pub potential_deals: Option<f64>,
    /// What-if: the average deal value (major units).
    #[arg(long, allow_negative_numbers = true)]
    pub avg_deal: Option<f64>,
    /// What-if: the share of calls missed today (0..1).
    #[arg(long, allow_negative_numbers = true)]
    pub missed_share: Option<f64>,
    /// What-if: the share of missed calls whose deal is lost (0..1).
    #[arg(long, allow_negative_numbers = true)]
    pub lost_per_missed: Option<f64>,
    /// The missed share to reach (0..1); with a tenant, adds the what-if from its own figures.
    #[arg(long, allow_negative_numbers = true)]
    pub target_missed_share: Option<f64>,
    /// The tool's monthly cost (major units); with a tenant, 0 unless given.
    #[arg(long, allow_negative_numbers = true)]
    pub tool_cost: Option<f64>,
}

/// Major units to minor (two decimals where no currency is known); negative or non-finite
/// amounts stay negative so validation names them.
fn minor_of(major: f64, exponent: u32) -> i64 {
    if !major.is_finite() {
        return -1;
    }
    (major * 10f64.powi(exponent as i32)).round() as i64
}

fn what_if_json(w: &WhatIf, to_major: impl Fn(i64) -> f64) -> serde_json::Value {
    json!({
        "lost_deals_now": w.lost_deals_now,
        "lost_revenue_now": to_major(w.lost_revenue_now_minor),
        "lost_deals_after": w.lost_deals_after,
        "lost_revenue_after": to_major(w.lost_revenue_after_minor),
        "monthly_saving": to_major(w.monthly_saving_minor),
        "monthly_net": to_major(w.monthly_net_minor),
        "yearly_net": to_major(w.yearly_net_minor),
    })
}

fn what_if_lines(i: &LossInputs, w: &WhatIf, money: impl Fn(i64) -> String) -> String {
    format!(
        "Now: {} of {} potential deals a month are lost to missed calls ({:.0}% missed, {:.0}% of those lost): {} a month.\n\
         At {:.0}% missed: {} deals, {}. Saving {} a month; net of the tool's {} a month: {}, {} a year.",
        w.lost_deals_now,
        i.potential_deals.round(),
        i.missed_share * 100.0,
        i.lost_per_missed * 100.0,
        money(w.lost_revenue_now_minor),
        i.target_missed_share * 100.0,
        w.lost_deals_after,
        money(w.lost_revenue_after_minor),
        money(w.monthly_saving_minor),
        money(i.tool_cost_minor),
        money(w.monthly_net_minor),
        money(w.yearly_net_minor),
    )
}

/// `loss` without a tenant: the estimate for the six stated figures.
fn stated_what_if(g: &Globals, a: &LossArgs) -> CmdResult {
    let missing: Vec<&str> = [
        ("--potential-deals", a.potential_deals),
        ("--avg-deal", a.avg_deal),
        ("--missed-share", a.missed_share),
        ("--lost-per-missed", a.lost_per_missed),
        ("--target-missed-share", a.target_missed_share),
        ("--tool-cost", a.tool_cost),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_none())
    .map(|(f, _)| f)
    .collect();
    if !missing.is_empty() {
        return Err(Failure::Usage(format!(
            "give a tenant, or all six what-if flags (missing: {})",
            missing.join(", ")
        )));
    }
    let inputs = LossInputs {
        potential_deals: a.potential_deals.unwrap_or_default(),
        avg_deal_minor: minor_of(a.avg_deal.unwrap_or_default(), 2),
        missed_share: a.missed_share.unwrap_or_default(),
        lost_per_missed: a.lost_per_missed.unwrap_or_default(),
        target_missed_share: a.target_missed_share.unwrap_or_default(),
        tool_cost_minor: minor_of(a.tool_cost.unwrap_or_default(), 2),
    };
    let w = calltrack::loss::what_if(&inputs).map_err(|e| Failure::Invalid(e.to_string()))?;
    let major = |m: i64| m as f64 / 100.0;
    if g.json {
        return print_json(&what_if_json(&w, major));
    }
    println!(
        "{}",
        what_if_lines(&inputs, &w, |m| format!("{:.2}", major(m)))
    );
    Ok(())
}

async fn load(g: &Globals, tenant: &str) -> Result<(calltrack::ports::Ports, Tenant), Failure> {
    let ports = backend::open(g).await?;
    let id = TenantId::parse(tenant).map_err(|e| Failure::Invalid(e.to_string()))?;
    let t = ports
        .store
        .get_tenant(&id)
        .await?
        .ok_or_else(|| Failure::Invalid(format!("no tenant '{id}'")))?;
    Ok((ports, t))
}

fn days(t: &Tenant, p: &Period) -> Result<(NaiveDate, NaiveDate), Failure> {
    calltrack::period::days(p.from, p.to, t.day_of(Utc::now()))
        .map_err(|e| Failure::Invalid(format!("--{}: {}", e.field, e.reason)))
}

/// Calls read from the store per page by `calls list`.
const CLI_PAGE: usize = 500;

/// One line of `calls list`: id, start, outcome (and missed state), channel, masked caller, talk.
fn print_call(t: &Tenant, c: &Call, now: chrono::DateTime<Utc>) {
    let state = missed_state(t, c, now)
        .map(|s| format!(" ({s:?})").to_lowercase())
        .unwrap_or_default();
    println!(
        "{}  {}  {:<11}{}  {:<20} {}  talk {}s",
        c.id,
        c.started_at.format("%Y-%m-%d %H:%M:%S"),
        c.outcome.as_str(),
        state,
        c.attribution.channel,
        c.caller
            .as_ref()
            .map(|p| p.masked())
            .unwrap_or_else(|| "hidden".into()),
        c.talk_seconds
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into())
    );
}

pub async fn calls(g: &Globals, cmd: CallsCmd) -> CmdResult {
    match cmd {
        CallsCmd::List(a) => {
            let (ports, t) = load(g, &a.tenant).await?;
            let (from, to) = days(&t, &a.period)?;
            let (start, end) = day_bounds(&t, from, to);
            if let Some(o) = &a.outcome {
                Outcome::parse(o)
                    .ok_or_else(|| Failure::Invalid(format!("outcome: '{o}' is not an outcome")))?;
            }
            let now = Utc::now();
            let keep = |c: &Call| {
                a.outcome.as_deref().is_none_or(|o| c.outcome.as_str() == o)
                    && a.channel
                        .as_deref()
                        .is_none_or(|ch| c.attribution.channel == ch)
            };
            // Page by page (the store's cursor), so a long period is never loaded at once;
            // text lines go out as each page arrives.
            let mut list: Vec<Call> = vec![];
            let mut shown = 0usize;
            let mut cursor = None;
            loop {
                let page = ports
                    .store
                    .calls_page(&t.id, start, end, cursor.as_ref(), CLI_PAGE)
                    .await?;
                cursor = page.last().map(CallCursor::after);
                for c in page.iter().filter(|c| keep(c)) {
                    shown += 1;
                    if g.json {
                        list.push(c.clone());
                    } else {
                        print_call(&t, c, now);
                    }
                }
                if page.len() < CLI_PAGE {
                    break;
                }
            }
            if g.json {
                return print_json(&list);
            }
            eprintln!("{shown} calls");
            Ok(())
        }
        CallsCmd::Show { tenant, call_id } => {
            let (ports, t) = load(g, &tenant).await?;
            let id = CallId::parse(&call_id).map_err(|e| Failure::Invalid(e.to_string()))?;
            let c = ports
                .store
                .get_call(&t.id, &id)
                .await?
                .ok_or_else(|| Failure::Invalid(format!("no call {id}")))?;
            let mut v = serde_json::to_value(&c).map_err(anyhow::Error::from)?;
            if let Some(m) = v.as_object_mut() {
                m.insert(
                    "missed_state".into(),
                    json!(missed_state(&t, &c, Utc::now())),
                );
            }
            print_json(&v)
        }
    }
}

pub async fn report(g: &Globals, a: ReportArgs) -> CmdResult {
    let (ports, t) = load(g, &a.tenant).await?;
    let (from, to) = days(&t, &a.period)?;
    let r = build_by(&*ports.store, &t, a.group_by.into(), from, to, Utc::now()).await?;
    let format = if g.json { Format::Json } else { a.format };
    match format {
        Format::Json => print_json(&r)?,
        Format::Csv => print!("{}", r.csv()),
        Format::Html => println!("{}", r.html(&format!("{}: calls and ROI", t.name))),
        Format::Text => print!("{}", r.text()),
    }
    Ok(())
}

/// The file on stdout; what it left out, and why, on stderr.
pub async fn export(g: &Globals, a: ExportArgs) -> CmdResult {
    let (ports, t) = load(g, &a.tenant).await?;
    let (from, to) = days(&t, &a.period)?;
    if a.goal.trim().is_empty() {
        return Err(Failure::Invalid("--goal: must not be empty".into()));
    }
    let e = calltrack::exports::export(
        &*ports.store,
        &t,
        a.kind.into(),
        from,
        to,
        a.goal.trim(),
        Utc::now(),
    )
    .await?;
    print!("{}", e.body);
    eprintln!("{} rows", e.rows);
    for n in &e.notes {
        eprintln!("{n}");
    }
    Ok(())
}

pub async fn loss(g: &Globals, a: LossArgs) -> CmdResult {
    let Some(tenant) = &a.tenant else {
        return stated_what_if(g, &a);
    };
    if let Some(flag) = [
        ("--potential-deals", a.potential_deals),
        ("--avg-deal", a.avg_deal),
        ("--missed-share", a.missed_share),
        ("--lost-per-missed", a.lost_per_missed),
    ]
    .into_iter()
    .find_map(|(f, v)| v.map(|_| f))
    {
        return Err(Failure::Usage(format!(
            "{flag} is measured from the tenant's own calls; with a tenant give only --target-missed-share (and --tool-cost)"
        )));
    }
    let (ports, t) = load(g, tenant).await?;
    let (from, to) = days(&t, &a.period)?;
    let now = Utc::now();
    let figures = roi::aggregate(&*ports.store, &t, from, to, now).await?;
    let cur = t.currency;
    let what_if = match a.target_missed_share {
        Some(target) => {
            let tool = minor_of(a.tool_cost.unwrap_or(0.0), cur.exponent());
            let inputs =
                calltrack::loss::measured(&figures, t.loss.average_deal_minor, target, tool);
            let w =
                calltrack::loss::what_if(&inputs).map_err(|e| Failure::Invalid(e.to_string()))?;
            Some((inputs, w))
        }
        None => None,
    };
    let (start, end) = day_bounds(&t, from, to);
    let lost: Vec<Call> = ports
        .store
        .calls_between(&t.id, start, end)
        .await?
        .into_iter()
        .filter(|c| missed_state(&t, c, now) == Some(MissedState::Lost))
        .collect();
    let channels: Vec<_> = figures
        .channels
        .iter()
        .filter(|c| c.lost > 0)
        .map(|c| json!({"channel": c.channel, "missed": c.counters.missed, "returned": c.counters.returned, "lost": c.lost, "lost_revenue": cur.to_major(c.lost_revenue_minor)}))
        .collect();
    let mut doc = json!({
        "currency": cur,
        "from": from,
        "to": to,
        "missed": figures.totals.counters.missed,
        "returned": figures.totals.counters.returned,
        "pending": figures.totals.pending,
        "lost": figures.totals.lost,
        "lost_revenue": cur.to_major(figures.totals.lost_revenue_minor),
        "channels": channels,
        "lost_calls": lost.iter().map(|c| json!({"call_id": c.id, "at": c.started_at, "caller": c.caller, "channel": c.attribution.channel})).collect::<Vec<_>>(),
    });
    if let (Some((_, w)), Some(m)) = (&what_if, doc.as_object_mut()) {
        m.insert("what_if".into(), what_if_json(w, |v| cur.to_major(v)));
    }
    if g.json {
        return print_json(&doc);
    }
    println!(
        "{} to {}: {} missed, {} returned, {} still inside the callback SLA, {} lost; estimated lost revenue {} {}",
        from,
        to,
        figures.totals.counters.missed,
        figures.totals.counters.returned,
        figures.totals.pending,
        figures.totals.lost,
        cur.format(figures.totals.lost_revenue_minor),
        cur.as_str()
    );
    for c in &lost {
        println!(
            "  {}  {}  {:<20} call back {}",
            c.id,
            c.started_at.format("%Y-%m-%d %H:%M"),
            c.attribution.channel,
            c.caller.as_ref().map(|p| p.as_str()).unwrap_or("(hidden)")
        );
    }
    if let Some((inputs, w)) = &what_if {
        println!("\nWhat if, over 30 days at this period's rates:");
        println!(
            "{}",
            what_if_lines(inputs, w, |m| format!("{} {}", cur.format(m), cur.as_str()))
        );
    }
    Ok(())
}
