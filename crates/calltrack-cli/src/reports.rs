//! `calltrack calls`, `calltrack report`, `calltrack loss`: the call log and the ROI report from
//! a terminal, read from the store the API and Lambdas write.

use calltrack::calls::{missed_state, MissedState};
use calltrack::model::*;
use calltrack::report::build;
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
}

#[derive(Debug, Args)]
pub struct LossArgs {
    pub tenant: String,
    #[command(flatten)]
    pub period: Period,
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
            let list: Vec<Call> = ports
                .store
                .calls_between(&t.id, start, end)
                .await?
                .into_iter()
                .filter(|c| a.outcome.as_deref().is_none_or(|o| c.outcome.as_str() == o))
                .filter(|c| {
                    a.channel
                        .as_deref()
                        .is_none_or(|ch| c.attribution.channel == ch)
                })
                .collect();
            if g.json {
                return print_json(&list);
            }
            for c in &list {
                let state = missed_state(&t, c, now)
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
            eprintln!("{} calls", list.len());
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
    let r = build(&*ports.store, &t, from, to, Utc::now()).await?;
    let format = if g.json { Format::Json } else { a.format };
    match format {
        Format::Json => print_json(&r)?,
        Format::Csv => print!("{}", r.csv()),
        Format::Html => println!("{}", r.html(&format!("{}: calls and ROI", t.name))),
        Format::Text => print!("{}", r.text()),
    }
    Ok(())
}

pub async fn loss(g: &Globals, a: LossArgs) -> CmdResult {
    let (ports, t) = load(g, &a.tenant).await?;
    let (from, to) = days(&t, &a.period)?;
    let now = Utc::now();
    let figures = roi::aggregate(&*ports.store, &t, from, to, now).await?;
    let (start, end) = day_bounds(&t, from, to);
    let lost: Vec<Call> = ports
        .store
        .calls_between(&t.id, start, end)
        .await?
        .into_iter()
        .filter(|c| missed_state(&t, c, now) == Some(MissedState::Lost))
        .collect();
    let cur = t.currency;
    let channels: Vec<_> = figures
        .channels
        .iter()
        .filter(|c| c.lost > 0)
        .map(|c| json!({"channel": c.channel, "missed": c.counters.missed, "returned": c.counters.returned, "lost": c.lost, "lost_revenue": cur.to_major(c.lost_revenue_minor)}))
        .collect();
    let doc = json!({
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
    Ok(())
}
