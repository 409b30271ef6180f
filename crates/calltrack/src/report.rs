//! The ROI report for people: a JSON document (money in major units with a currency), CSV, a
//! text table for terminals, and an HTML email with PNG charts (inline parts in the mail,
//! `data:` URIs in the stored page).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::chart::{self, BarRow, Chart, Layout, Series};
use crate::model::*;
use crate::ports::*;
use crate::roi::{day_bounds, ChannelFigures, DayFigures, Roi};

/// One channel's (or group's) row as people read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The channel, or the group (serialized as `group` when the report is by another dimension).
    pub channel: String,
    pub visits: i64,
    pub calls: i64,
    /// Distinct callers among the calls, estimated from a sketch ([`crate::sketch`]; the
    /// report's notes say so). Rows do not add up to the totals: one caller may be in several.
    pub unique_callers: i64,
    /// Callers who had never called the tenant before.
    pub first_time_callers: i64,
    pub answered: i64,
    /// answered / calls, 0..1; `None` without calls.
    pub answered_share: Option<f64>,
    /// Mean talk time of answered calls, seconds.
    pub avg_talk_seconds: Option<f64>,
    /// Mean time answered calls rang before pick-up, seconds.
    pub avg_ring_seconds: Option<f64>,
    pub missed: i64,
    /// Missed calls that rang a named agent, once per agent rung; by manager, the missed calls
    /// that rang that manager.
    pub missed_rung: i64,
    pub returned: i64,
    /// Median minutes from a missed call's end to its return (to the minute); `None` when none
    /// was returned.
    pub median_return_minutes: Option<f64>,
    pub lost: i64,
    pub pending: i64,
    /// Deals won.
    pub deals: i64,
    pub revenue: f64,
    pub cost: f64,
    pub cost_per_call: Option<f64>,
    pub cost_per_deal: Option<f64>,
    pub roi: Option<f64>,
    pub lost_revenue: f64,
    /// True when the lost-revenue estimate used the tenant's assumptions (too little history).
    pub lost_revenue_assumed: bool,
    /// Revenue of won deals whose caller first came through this channel (channel reports).
    pub first_touch_revenue: f64,
    /// Calls with a speech analysis, and their mean quality score and script compliance
    /// (0-100); `None` when none was analysed.
    pub analysed: i64,
    pub avg_quality_score: Option<f64>,
    pub avg_script_compliance: Option<f64>,
}

/// A DNI pool's health over the period: how often it ran out or reused a resting number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolNote {
    pub pool: PoolId,
    pub numbers: usize,
    /// Acquires that found every number leased (shared or default number shown).
    pub exhaustions: i64,
    /// Numbers leased again inside their cool-down.
    pub early_reuses: i64,
}

impl PoolNote {
    /// True when the pool ran out or had to reuse resting numbers: attribution suffered.
    pub fn too_small(&self) -> bool {
        self.exhaustions > 0 || self.early_reuses > 0
    }

    fn sentence(&self, ru: bool) -> String {
        if ru {
            let mut parts = vec![];
            if self.exhaustions > 0 {
                parts.push(format!(
                    "{} раз не хватило номеров (посетители делили номер, их звонки труднее отнести к источнику)",
                    self.exhaustions
                ));
            }
            if self.early_reuses > 0 {
                parts.push(format!(
                    "{} раз выдал номер, ещё не отдохнувший после прошлого посетителя (его поздний звонок может \
                     достаться следующему)",
                    self.early_reuses
                ));
            }
            return format!(
                "Пул {} ({} номеров): {}. `calltrack pool size` подскажет, сколько номеров нужно.",
                self.pool,
                self.numbers,
                parts.join("; ")
            );
        }
        let mut parts = vec![];
        if self.exhaustions > 0 {
            parts.push(format!(
                "ran out of numbers {} times (visitors then shared a number, so their calls are harder to attribute)",
                self.exhaustions
            ));
        }
        if self.early_reuses > 0 {
            parts.push(format!(
                "handed out a number still resting after its last visitor {} times (a late call from that visitor \
                 may be credited to the next one)",
                self.early_reuses
            ));
        }
        format!(
            "Pool {} ({} numbers) {}. `calltrack pool size` tells how many numbers the traffic needs.",
            self.pool,
            self.numbers,
            parts.join(" and ")
        )
    }
}

/// The words of the email, in the tenant's language.
struct Words {
    summary: &'static str,
    columns: [&'static str; 13],
    chart: &'static str,
    money_series: [&'static str; 2],
    outcomes: &'static str,
    outcome_series: [&'static str; 4],
    outcome_note: &'static str,
    daily: &'static str,
    daily_series: [&'static str; 2],
    managers: &'static str,
    manager_columns: [&'static str; 11],
    listen: &'static str,
    listen_columns: [&'static str; 6],
    listen_footer: &'static str,
    text_title: &'static str,
    text_columns: [&'static str; 11],
    score: &'static str,
}

const EN: Words = Words {
    summary: "{from} to {to}: <b>{calls}</b> calls from about <b>{unique}</b> callers, <b>{answered}</b> \
              answered, <b>{missed}</b> missed ({returned} returned{wait}, <b style=\"color:#b00\">{lost} lost</b>), \
              <b>{deals}</b> deals, revenue \
              <b>{rev}</b>, cost {cost}. Estimated revenue lost to unreturned missed calls: \
              <b style=\"color:#b00\">{lrev}</b>.",
    columns: ["{dim}", "Visits", "Calls", "Answered", "Missed", "Returned", "Lost", "Deals", "Revenue", "Cost",
              "Cost/call", "ROI", "Lost revenue"],
    chart: "Revenue vs cost by {dim}",
    money_series: ["Revenue", "Cost"],
    outcomes: "Answered and missed calls by {dim}",
    outcome_series: ["Answered", "Missed, returned", "Missed, lost", "Missed, waiting"],
    outcome_note: "{missed} missed, {lost} lost",
    daily: "Calls per day",
    daily_series: ["Answered", "Missed"],
    managers: "Managers",
    manager_columns: ["Manager", "Answered", "Missed when rung", "Returned", "Median return, min",
                      "Avg talk, s", "Analysed", "Quality", "Script, %", "Deals", "Revenue"],
    listen: "Calls to listen to",
    listen_columns: ["Time", "Channel", "Manager", "Score", "Why", "Call"],
    listen_footer: "Each call in full: <code>calltrack calls show TENANT CALL</code> or \
                    <code>GET /v1/calls/CALL</code> (with its recording link).",
    text_title: "ROI by {dim}, {from} to {to} ({cur})",
    text_columns: ["visits", "calls", "answered", "missed", "returned", "lost", "deals", "revenue", "cost",
                   "roi", "lost rev."],
    score: "score",
};

const RU: Words = Words {
    summary: "С {from} по {to}: <b>{calls}</b> звонков примерно от <b>{unique}</b> человек, принято \
              <b>{answered}</b>, пропущено <b>{missed}</b> (перезвонили по {returned}{wait}, \
              <b style=\"color:#b00\">потеряно {lost}</b>), сделок <b>{deals}</b>, \
              выручка <b>{rev}</b>, расходы {cost}. Оценка выручки, потерянной из-за пропущенных звонков \
              без перезвона: <b style=\"color:#b00\">{lrev}</b>.",
    columns: ["{dim}", "Визиты", "Звонки", "Принято", "Пропущено", "Перезвонили", "Потеряно", "Сделки",
              "Выручка", "Расходы", "Цена звонка", "ROI", "Потерянная выручка"],
    chart: "Выручка и расходы: {dim}",
    money_series: ["Выручка", "Расходы"],
    outcomes: "Принятые и пропущенные звонки: {dim}",
    outcome_series: ["Принято", "Перезвонили", "Потеряно", "Ждут перезвона"],
    outcome_note: "пропущено {missed}, потеряно {lost}",
    daily: "Звонки по дням",
    daily_series: ["Принято", "Пропущено"],
    managers: "Менеджеры",
    manager_columns: ["Менеджер", "Принято", "Пропустил", "Перезвонил", "Медиана перезвона, мин",
                      "Разговор, с", "Разобрано", "Качество", "Скрипт, %", "Сделки", "Выручка"],
    listen: "Звонки, которые стоит прослушать",
    listen_columns: ["Время", "Канал", "Менеджер", "Оценка", "Почему", "Звонок"],
    listen_footer: "Звонок целиком: <code>calltrack calls show TENANT CALL</code> или \
                    <code>GET /v1/calls/CALL</code> (со ссылкой на запись).",
    text_title: "ROI, {dim}: с {from} по {to} ({cur})",
    text_columns: ["визиты", "звонки", "принято", "пропущ", "перезв.", "потер", "сделки", "выручка", "расходы",
                   "ROI", "потер. выр."],
    score: "оценка",
};

/// A dimension's name as the email's column and chart say it.
fn dimension_word(dim: Dimension, ru: bool) -> &'static str {
    match (dim, ru) {
        (Dimension::Channel, false) => "channel",
        (Dimension::Campaign, false) => "campaign",
        (Dimension::Keyword, false) => "keyword",
        (Dimension::Number, false) => "number",
        (Dimension::Landing, false) => "landing page",
        (Dimension::Manager, false) => "manager",
        (Dimension::FirstTouch, false) => "first touch",
        (Dimension::Channel, true) => "канал",
        (Dimension::Campaign, true) => "кампания",
        (Dimension::Keyword, true) => "ключевое слово",
        (Dimension::Number, true) => "номер",
        (Dimension::Landing, true) => "страница входа",
        (Dimension::Manager, true) => "менеджер",
        (Dimension::FirstTouch, true) => "первый канал",
    }
}

/// The report document (`GET /v1/reports/roi`, `calltrack report`, `calltrack demo --json`).
/// By channel it carries `channels`; by another dimension `group_by` and `groups`, each row
/// naming its `group` (DESIGN: Reports).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub tenant: TenantId,
    pub currency: Currency,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub dimension: Dimension,
    /// The tenant's zone, for the times the text and the email show.
    pub timezone: String,
    /// The tenant's language: the email is Russian for `ru*`, English otherwise.
    pub language: String,
    /// One row per channel or group.
    pub channels: Vec<Row>,
    /// What a reader must know to read the rows right (see [`Roi::notes`]).
    pub notes: Vec<String>,
    pub totals: Row,
    pub problem_calls: Vec<ProblemCall>,
    /// Every DNI pool's health; a pool that ran out is said so in the text and the email.
    pub pools: Vec<PoolNote>,
    /// Calls, answered and missed per day of the period (the "calls per day" chart).
    pub daily: Vec<DayFigures>,
    /// One row per named manager (the email's manager table; see [`with_managers`]).
    pub managers: Vec<Row>,
}

/// Where the HTML finds its charts: parts of the same email (`cid:`), or inside the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChartLinks {
    ContentId,
    DataUri,
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap};
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("tenant", &self.tenant)?;
        m.serialize_entry("currency", &self.currency)?;
        m.serialize_entry("from", &self.from)?;
        m.serialize_entry("to", &self.to)?;
        if self.dimension == Dimension::Channel {
            m.serialize_entry("channels", &self.channels)?;
        } else {
            let mut groups = Vec::with_capacity(self.channels.len());
            for r in &self.channels {
                let mut v = serde_json::to_value(r).map_err(S::Error::custom)?;
                if let Some(o) = v.as_object_mut() {
                    let name = o.remove("channel").unwrap_or_default();
                    o.remove("first_touch_revenue");
                    o.insert("group".into(), name);
                }
                groups.push(v);
            }
            m.serialize_entry("group_by", &self.dimension)?;
            m.serialize_entry("groups", &groups)?;
        }
        m.serialize_entry("totals", &self.totals)?;
        if !self.managers.is_empty() {
            m.serialize_entry("managers", &self.managers)?;
        }
        m.serialize_entry("notes", &self.notes)?;
        m.serialize_entry("problem_calls", &self.problem_calls)?;
        m.serialize_entry("pools", &self.pools)?;
        m.serialize_entry("daily", &self.daily)?;
        m.end()
    }
}

fn row(cur: Currency, f: &ChannelFigures) -> Row {
    let c = &f.counters;
    let major = |m: i64| round2(cur.to_major(m));
    let share = |a: i64, b: i64| (b > 0).then(|| round2(a as f64 / b as f64));
    Row {
        channel: f.channel.clone(),
        visits: c.visits,
        calls: c.calls,
        unique_callers: unique_callers(f),
        first_time_callers: c.first_time_callers,
        answered: c.answered,
        answered_share: share(c.answered, c.calls),
        avg_talk_seconds: (c.answered > 0)
            .then(|| (c.talk_seconds as f64 / c.answered as f64 * 10.0).round() / 10.0),
        avg_ring_seconds: (c.rung > 0)
            .then(|| (c.ring_seconds as f64 / c.rung as f64 * 10.0).round() / 10.0),
        missed: c.missed,
        missed_rung: c.missed_rung,
        returned: c.returned,
        median_return_minutes: crate::sketch::median_return_minutes(&f.cells),
        lost: f.lost,
        pending: f.pending,
        deals: c.won,
        revenue: major(c.revenue_minor),
        cost: major(f.cost_minor),
        cost_per_call: (c.calls > 0 && f.cost_minor > 0).then(|| major(f.cost_minor / c.calls)),
        cost_per_deal: (c.won > 0 && f.cost_minor > 0).then(|| major(f.cost_minor / c.won)),
        roi: f.roi().map(round2),
        lost_revenue: major(f.lost_revenue_minor),
        lost_revenue_assumed: f.lost_revenue_assumed && f.lost > 0,
        first_touch_revenue: major(f.first_touch_revenue_minor),
        analysed: c.scored,
        avg_quality_score: (c.scored > 0)
            .then(|| (c.score_sum as f64 / c.scored as f64 * 10.0).round() / 10.0),
        avg_script_compliance: (c.scored > 0)
            .then(|| (c.script_sum as f64 / c.scored as f64 * 10.0).round() / 10.0),
    }
}

/// The sketch's estimate, never below the row's first-time callers when every call of the row
/// is in the sketch: each first-time caller is a distinct caller, counted exactly.
fn unique_callers(f: &ChannelFigures) -> i64 {
    let c = &f.counters;
    let estimate = crate::sketch::unique_callers(&f.cells).unwrap_or(0);
    if c.sketched == c.calls {
        estimate.max(c.first_time_callers)
    } else {
        estimate
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

impl Report {
    pub fn new(roi: &Roi, problem_calls: Vec<ProblemCall>, pools: Vec<PoolNote>) -> Self {
        Self {
            pools,
            tenant: roi.tenant.clone(),
            currency: roi.currency,
            from: roi.from,
            to: roi.to,
            dimension: roi.dimension,
            timezone: roi.timezone.clone(),
            language: roi.language.clone(),
            notes: roi.notes.clone(),
            channels: roi.channels.iter().map(|c| row(roi.currency, c)).collect(),
            totals: row(roi.currency, &roi.totals),
            managers: vec![],
            problem_calls,
            daily: roi.daily.clone(),
        }
    }

    /// One line per channel, with a header and the totals row.
    /// The report as CSV. The channel comes from outside input (a visitor's `utm_source`, a
    /// static number's source), so it is written spreadsheet-safe ([`spreadsheet_safe`]).
    pub fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(vec![]);
        let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let _ = w.write_record([
            self.dimension.as_str(),
            "visits",
            "calls",
            "unique_callers",
            "answered",
            "missed",
            "returned",
            "lost",
            "pending",
            "deals",
            "revenue",
            "cost",
            "cost_per_call",
            "cost_per_deal",
            "roi",
            "lost_revenue",
            "currency",
            "first_time_callers",
            "answered_share",
            "avg_talk_seconds",
            "first_touch_revenue",
            "analysed",
            "avg_quality_score",
            "avg_script_compliance",
            "avg_ring_seconds",
            "missed_rung",
            "median_return_minutes",
        ]);
        for r in self.channels.iter().chain(std::iter::once(&self.totals)) {
            let _ = w.write_record([
                spreadsheet_safe(&r.channel),
                r.visits.to_string(),
                r.calls.to_string(),
                r.unique_callers.to_string(),
                r.answered.to_string(),
                r.missed.to_string(),
                r.returned.to_string(),
                r.lost.to_string(),
                r.pending.to_string(),
                r.deals.to_string(),
                r.revenue.to_string(),
                r.cost.to_string(),
                opt(r.cost_per_call),
                opt(r.cost_per_deal),
                opt(r.roi),
                r.lost_revenue.to_string(),
                self.currency.as_str().to_string(),
                r.first_time_callers.to_string(),
                opt(r.answered_share),
                opt(r.avg_talk_seconds),
                r.first_touch_revenue.to_string(),
                r.analysed.to_string(),
                opt(r.avg_quality_score),
                opt(r.avg_script_compliance),
                opt(r.avg_ring_seconds),
                r.missed_rung.to_string(),
                opt(r.median_return_minutes),
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// An instant in the tenant's zone, as the text and the email show times.
    fn local(&self, at: DateTime<Utc>) -> String {
        let tz: chrono_tz::Tz = self.timezone.parse().unwrap_or(chrono_tz::UTC);
        at.with_timezone(&tz)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// A fixed-width table for terminals, in English (the CLI's text output).
    pub fn text(&self) -> String {
        self.table(&EN, false)
    }

    /// The email's plain-text part: the summary and the table, in the tenant's language.
    pub fn email_text(&self, title: &str) -> String {
        let summary = strip_tags(&self.summary(self.words()));
        format!(
            "{title}\n\n{summary}\n\n{}",
            self.table(self.words(), self.russian())
        )
    }

    /// The fixed-width table, the notes, undersized pools and the calls to listen to.
    fn table(&self, w: &Words, ru: bool) -> String {
        let mut s = String::new();
        let dim = if ru {
            dimension_word(self.dimension, true).to_string()
        } else {
            self.dimension.as_str().replace('_', " ")
        };
        let title = w
            .text_title
            .replace("{dim}", &dim)
            .replace("{from}", &self.from.to_string())
            .replace("{to}", &self.to.to_string())
            .replace("{cur}", self.currency.as_str());
        let _ = writeln!(s, "{title}");
        let c = &w.text_columns;
        let _ = writeln!(
            s,
            "{:<22} {:>6} {:>6} {:>8} {:>6} {:>8} {:>5} {:>6} {:>11} {:>10} {:>8} {:>11}",
            if ru {
                dim.as_str()
            } else {
                self.dimension.as_str()
            },
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5],
            c[6],
            c[7],
            c[8],
            c[9],
            c[10]
        );
        for r in self.channels.iter().chain(std::iter::once(&self.totals)) {
            let roi = r
                .roi
                .map(|v| format!("{:.0}%", v * 100.0))
                .unwrap_or_else(|| "-".into());
            let _ = writeln!(
                s,
                "{:<22} {:>6} {:>6} {:>8} {:>6} {:>8} {:>5} {:>6} {:>11.2} {:>10.2} {:>8} {:>11.2}",
                truncate(&r.channel, 22),
                r.visits,
                r.calls,
                r.answered,
                r.missed,
                r.returned,
                r.lost,
                r.deals,
                r.revenue,
                r.cost,
                roi,
                r.lost_revenue
            );
        }
        for n in &self.notes {
            let _ = writeln!(s, "\n{n}");
        }
        for p in self.pools.iter().filter(|p| p.too_small()) {
            let _ = writeln!(s, "\n{}", p.sentence(ru));
        }
        if !self.managers.is_empty() {
            let _ = writeln!(s, "\n{}:", w.managers);
            let _ = writeln!(s, "  {}", w.manager_columns.join(" | "));
            for r in &self.managers {
                let _ = writeln!(s, "  {}", manager_cells(r).join(" | "));
            }
        }
        if !self.problem_calls.is_empty() {
            let _ = writeln!(s, "\n{}:", w.listen);
            for p in &self.problem_calls {
                let score = p.score.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
                let mut why: Vec<&str> = p.reasons.iter().take(3).map(String::as_str).collect();
                if p.reasons.len() > 3 {
                    why.push("…");
                }
                let _ = writeln!(
                    s,
                    "  {} {} {} {} [{}{}] {}",
                    p.call_id,
                    self.local(p.started_at),
                    w.score,
                    score,
                    p.channel,
                    p.manager
                        .as_deref()
                        .map(|m| format!(", {m}"))
                        .unwrap_or_default(),
                    why.join("; ")
                );
            }
        }
        s
    }

    /// True when the email is written in Russian (a `ru*` tenant).
    pub fn russian(&self) -> bool {
        crate::model::writes_russian(&self.language)
    }

    fn words(&self) -> &'static Words {
        if self.russian() {
            &RU
        } else {
            &EN
        }
    }

    /// The report as a stand-alone HTML page (stored beside the JSON, `--format html`), its
    /// charts inside it as `data:` URIs.
    pub fn html(&self, title: &str) -> String {
        self.html_with(title, &self.charts(), ChartLinks::DataUri)
    }

    /// The report as an email: the HTML with its charts as inline PNG parts (`cid:`), which
    /// every mail client shows, and the text table as the plain alternative.
    pub fn email(&self, title: &str, to: Vec<String>) -> Email {
        let charts = self.charts();
        Email {
            to,
            subject: title.to_string(),
            html: self.html_with(title, &charts, ChartLinks::ContentId),
            text: self.email_text(title),
            inline: charts
                .into_iter()
                .map(|c| InlineImage {
                    cid: c.id.to_string(),
                    content_type: "image/png".into(),
                    bytes: c.png,
                })
                .collect(),
        }
    }

    /// Revenue vs cost and the calls' outcomes per group (the twelve largest), calls per day.
    pub fn charts(&self) -> Vec<Chart> {
        if self.totals.calls == 0 && self.totals.cost == 0.0 {
            return vec![];
        }
        let w = self.words();
        let dim = dimension_word(self.dimension, self.russian());
        let rows: Vec<&Row> = self.channels.iter().take(12).collect();
        let money: Vec<BarRow> = rows
            .iter()
            .map(|r| BarRow {
                label: r.channel.clone(),
                values: vec![r.revenue, r.cost],
                note: format!("{:.0} / {:.0}", r.revenue, r.cost),
            })
            .collect();
        let outcomes: Vec<BarRow> = rows
            .iter()
            .map(|r| BarRow {
                label: r.channel.clone(),
                values: vec![
                    r.answered as f64,
                    r.returned as f64,
                    r.lost as f64,
                    r.pending as f64,
                ],
                note: w
                    .outcome_note
                    .replace("{missed}", &r.missed.to_string())
                    .replace("{lost}", &r.lost.to_string()),
            })
            .collect();
        let title = format!(
            "{} ({})",
            w.chart.replace("{dim}", dim),
            self.currency.as_str()
        );
        [
            chart::bars(
                "revenue-cost@calltrack",
                &title,
                &Series {
                    names: &w.money_series,
                    colors: &chart::colors::REVENUE_COST,
                },
                Layout::Paired,
                &money,
            ),
            chart::bars(
                "outcomes@calltrack",
                &w.outcomes.replace("{dim}", dim),
                &Series {
                    names: &w.outcome_series,
                    colors: &chart::colors::OUTCOMES,
                },
                Layout::Stacked,
                &outcomes,
            ),
            chart::daily("daily@calltrack", w.daily, w.daily_series, &self.daily),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The period in one sentence (HTML: the figures in bold, losses in red).
    fn summary(&self, w: &Words) -> String {
        let cur = self.currency.as_str();
        let t = &self.totals;
        let money = |v: f64| format!("{v:.2} {cur}");
        let wait = match (t.median_return_minutes, self.russian()) {
            (None, _) => String::new(),
            (Some(m), false) => format!(", half of them within {m:.0} min"),
            (Some(m), true) => format!(", половине — в течение {m:.0} мин"),
        };
        w.summary
            .replace("{from}", &self.from.to_string())
            .replace("{to}", &self.to.to_string())
            .replace("{calls}", &t.calls.to_string())
            .replace("{unique}", &t.unique_callers.to_string())
            .replace("{wait}", &wait)
            .replace("{answered}", &t.answered.to_string())
            .replace("{missed}", &t.missed.to_string())
            .replace("{returned}", &t.returned.to_string())
            .replace("{lost}", &t.lost.to_string())
            .replace("{deals}", &t.deals.to_string())
            .replace("{rev}", &money(t.revenue))
            .replace("{cost}", &money(t.cost))
            .replace("{lrev}", &money(t.lost_revenue))
    }

    /// The HTML: a summary, the charts, the table, problem calls; in the tenant's language (the
    /// analysis' reasons stay as the analyser wrote them).
    fn html_with(&self, title: &str, charts: &[Chart], links: ChartLinks) -> String {
        let w = self.words();
        let summary = self.summary(w);
        let mut h = String::new();
        let _ = write!(
            h,
            "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body style=\"font-family:Arial,Helvetica,sans-serif;color:#222\">\
             <h2>{title}</h2><p>{summary}</p>",
            lang = if self.russian() { "ru" } else { "en" },
            title = esc(title),
        );
        for c in charts {
            let src = match links {
                ChartLinks::ContentId => format!("cid:{}", c.id),
                ChartLinks::DataUri => {
                    use base64::Engine as _;
                    format!(
                        "data:image/png;base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(&c.png)
                    )
                }
            };
            let _ = write!(
                h,
                "<p><img src=\"{src}\" width=\"{}\" height=\"{}\" alt=\"{}\" style=\"display:block;border:0;max-width:100%;height:auto\"></p>",
                c.width,
                c.height,
                esc(&c.title)
            );
        }
        h.push_str(TABLE_OPEN);
        h.push_str("<tr style=\"background:#eee\">");
        let dim = dimension_word(self.dimension, self.russian());
        let mut dim_col: Vec<char> = dim.chars().collect();
        if let Some(c) = dim_col.first_mut() {
            *c = c.to_uppercase().next().unwrap_or(*c);
        }
        let dim_col: String = dim_col.into_iter().collect();
        for col in w.columns {
            let col = col.replace("{dim}", &dim_col);
            let _ = write!(h, "<th align=\"left\">{col}</th>");
        }
        h.push_str("</tr>");
        let opt = |v: Option<f64>| {
            v.map(|x| format!("{x:.2}"))
                .unwrap_or_else(|| "&ndash;".into())
        };
        for r in self.channels.iter().chain(std::iter::once(&self.totals)) {
            let roi = r
                .roi
                .map(|v| format!("{:.0}%", v * 100.0))
                .unwrap_or_else(|| "&ndash;".into());
            let _ = write!(
                h,
                "<tr style=\"border-top:1px solid #ddd\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
                esc(&r.channel), r.visits, r.calls, r.answered, r.missed, r.returned, r.lost, r.deals, r.revenue, r.cost,
                opt(r.cost_per_call), roi, r.lost_revenue
            );
        }
        h.push_str(TABLE_CLOSE);
        for n in &self.notes {
            let _ = write!(h, "<p style=\"color:#555;font-size:12px\">{}</p>", esc(n));
        }
        for p in self.pools.iter().filter(|p| p.too_small()) {
            let _ = write!(
                h,
                "<p style=\"color:#b00\">{}</p>",
                esc(&p.sentence(self.russian()))
            );
        }
        if !self.managers.is_empty() {
            table_head(&mut h, w.managers, &w.manager_columns);
            for r in &self.managers {
                h.push_str("<tr style=\"border-top:1px solid #ddd\">");
                for cell in manager_cells(r) {
                    let _ = write!(h, "<td>{}</td>", esc(&cell));
                }
                h.push_str("</tr>");
            }
            h.push_str(TABLE_CLOSE);
        }
        if !self.problem_calls.is_empty() {
            table_head(&mut h, w.listen, &w.listen_columns);
            for p in &self.problem_calls {
                let score = p
                    .score
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "&ndash;".into());
                // The two costliest reasons: what to listen for first.
                let why: Vec<&str> = p.reasons.iter().take(2).map(String::as_str).collect();
                let _ = write!(
                    h,
                    "<tr style=\"border-top:1px solid #ddd\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                     <td><code>{}</code></td></tr>",
                    self.local(p.started_at),
                    esc(&p.channel),
                    esc(p.manager.as_deref().unwrap_or("\u{2013}")),
                    score,
                    esc(&why.join("; ")),
                    p.call_id,
                );
            }
            let _ = write!(
                h,
                "{TABLE_CLOSE}<p style=\"color:#555;font-size:12px\">{}</p>",
                w.listen_footer
            );
        }
        h.push_str("</body></html>");
        h
    }
}

/// A table's opening: wrapped in a box that scrolls sideways, so on a phone the wide table
/// scrolls alone and the text and charts around it keep the screen's width.
const TABLE_OPEN: &str = "<div style=\"overflow-x:auto;max-width:100%\">\
     <table cellpadding=\"4\" style=\"border-collapse:collapse;font-size:13px\">";
const TABLE_CLOSE: &str = "</table></div>";

/// A section's heading and the opening of its table, up to the header row.
fn table_head(h: &mut String, heading: &str, columns: &[&str]) {
    let _ = write!(
        h,
        "<h3>{heading}</h3>{TABLE_OPEN}<tr style=\"background:#eee\">"
    );
    for col in columns {
        let _ = write!(h, "<th align=\"left\">{col}</th>");
    }
    h.push_str("</tr>");
}

/// A manager's row as the email's Managers table prints it (the columns of
/// `Words::manager_columns`), a dash where there is nothing to take a figure from.
fn manager_cells(r: &Row) -> [String; 11] {
    let dash = || "\u{2013}".to_string();
    let one = |v: Option<f64>, digits: usize| v.map_or_else(dash, |x| format!("{x:.digits$}"));
    [
        r.channel.clone(),
        r.answered.to_string(),
        r.missed_rung.to_string(),
        r.returned.to_string(),
        one(r.median_return_minutes, 1),
        one(r.avg_talk_seconds, 0),
        r.analysed.to_string(),
        one(r.avg_quality_score, 0),
        one(r.avg_script_compliance, 0),
        r.deals.to_string(),
        format!("{:.2}", r.revenue),
    ]
}

/// Our own markup (the summary's `<b>`) taken out for the plain-text part; the figures it wraps
/// are numbers, dates and money, never input.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The whole report for a tenant's period: ROI per channel, the calls to listen to, pool health.
pub async fn build(
    store: &dyn Store,
    tenant: &Tenant,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    build_by(store, tenant, Dimension::Channel, from, to, now).await
}

/// Adds the named managers' rows (who answered, who returned missed calls, their calls' mean
/// quality and script scores) to a report for the email. Calls nobody answered or returned, and
/// calls counted before managers were recorded, are in the channel rows, not here.
pub async fn with_managers(
    store: &dyn Store,
    tenant: &Tenant,
    mut report: Report,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let by = crate::roi::aggregate_by(
        store,
        tenant,
        Dimension::Manager,
        report.from,
        report.to,
        now,
    )
    .await?;
    report.managers = by
        .channels
        .iter()
        .filter(|f| f.channel != Groups::NONE && f.channel != crate::roi::NOT_RECORDED)
        .map(|f| row(by.currency, f))
        .collect();
    if !report.managers.is_empty() {
        report
            .notes
            .push(crate::roi::missed_rung_note(report.russian()));
    }
    Ok(report)
}

/// The report with its rows by `dim` (campaign, number, manager...).
pub async fn build_by(
    store: &dyn Store,
    tenant: &Tenant,
    dim: Dimension,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let figures = crate::roi::aggregate_by(store, tenant, dim, from, to, now).await?;
    let problems = problem_calls(store, tenant, from, to, 10).await?;
    let (start, end) = day_bounds(tenant, from, to);
    let mut pools = vec![];
    for pool in store.list_pools(&tenant.id).await? {
        let numbers = store.all_slots(&tenant.id, &pool.id).await?.len();
        let (mut exhaustions, mut early_reuses) = (0, 0);
        for (_, h) in store.pool_health(&tenant.id, &pool.id, start, end).await? {
            exhaustions += h.exhaustions;
            early_reuses += h.early_reuses;
        }
        pools.push(PoolNote {
            pool: pool.id,
            numbers,
            exhaustions,
            early_reuses,
        });
    }
    Ok(Report::new(&figures, problems, pools))
}

/// A call's entry in the problem index, from its analysis: flagged when it scored under 60 or
/// the analysis gave reasons (complaint, conflict, unhandled objection, long silences, script
/// misses). `None` for a call without analysis or with nothing to hear. Indexed under the call's
/// rollup day (calls from before days were pinned: their UTC day).
pub fn problem_of(c: &Call) -> Option<ProblemCall> {
    let a = c.analysis.as_ref()?;
    let mut weighed: Vec<(f64, Option<String>, String)> = a
        .get("reasons")
        .and_then(|r| r.as_array())
        .map(|rs| {
            rs.iter()
                .filter_map(|r| {
                    let points = r.get("points").and_then(|p| p.as_f64()).unwrap_or(0.0);
                    let code = r.get("code").and_then(|c| c.as_str()).map(String::from);
                    Some((points, code, r.get("message")?.as_str()?.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    // The costliest reasons first: they are what a manager should hear about.
    weighed.sort_by(|x, y| y.0.total_cmp(&x.0));
    let complained = weighed
        .iter()
        .any(|(_, code, _)| code.as_deref() == Some("complaint"));
    if a.get("complaint").and_then(|v| v.as_bool()) == Some(true) && !complained {
        // A complaint the tenant's weights score at nothing is still what to listen for first.
        weighed.insert(0, (0.0, Some("complaint".into()), "complaint".into()));
    }
    let kind = weighed.first().and_then(|(_, code, _)| code.clone());
    let reasons: Vec<String> = weighed.into_iter().map(|(_, _, m)| m).collect();
    let score = c.quality_score;
    let flagged = score.is_some_and(|s| s < 60) || !reasons.is_empty();
    flagged.then(|| ProblemCall {
        call_id: c.id.clone(),
        day: c.rollup_day.unwrap_or_else(|| c.started_at.date_naive()),
        started_at: c.started_at,
        channel: c.attribution.channel.clone(),
        manager: c.answered_by.clone(),
        score,
        reasons,
        kind,
        retain_until: c.retain_until,
    })
}

/// Writes the problem index entry of every analysed call the tenant holds (calls analysed
/// before the index existed): `calltrack migrate`'s step, idempotent. Returns the entries written.
pub async fn index_problems(store: &dyn Store, tenant: &Tenant) -> Result<u64, StoreError> {
    let (from, to) = (
        DateTime::<Utc>::UNIX_EPOCH,
        Utc::now() + chrono::Duration::days(1),
    );
    let mut cursor: Option<CallCursor> = None;
    let mut written = 0;
    loop {
        let page = store
            .calls_page(&tenant.id, from, to, cursor.as_ref(), 500)
            .await?;
        for c in &page {
            if let Some(p) = problem_of(c) {
                let commit = Commit {
                    tenant: Some(tenant.id.clone()),
                    problems: vec![ProblemChange {
                        old: Some(p.clone()),
                        new: Some(p),
                    }],
                    ..Commit::default()
                };
                store.commit(&commit).await?;
                written += 1;
            }
        }
        if page.len() < 500 {
            return Ok(written);
        }
        cursor = page.last().map(CallCursor::after);
    }
}

/// The `limit` calls of the period most worth a listen, from the problem index: at most `limit`
/// entries read per day, so the report's cost does not grow with the period's calls.
pub async fn problem_calls(
    store: &dyn Store,
    tenant: &Tenant,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    limit: usize,
) -> Result<Vec<ProblemCall>, StoreError> {
    let found = store.problems_between(&tenant.id, from, to, limit).await?;
    Ok(worst_of_each_kind(found, limit))
}

/// A call that lost fewer points than this (one interruption, a short silence) is not anyone's
/// first call to hear, however rare its kind.
const KIND_WORTH_A_PLACE_BELOW: u8 = 90;

/// The worst call of each kind of problem (by its costliest reason) that scored under
/// [`KIND_WORTH_A_PLACE_BELOW`], then the worst of the rest, `limit` in all and worst first: ten
/// complaints must not hide the worst unhandled objection.
fn worst_of_each_kind(mut found: Vec<ProblemCall>, limit: usize) -> Vec<ProblemCall> {
    found.sort_by_key(ProblemCall::rank);
    let mut kinds = std::collections::HashSet::new();
    let (mut chosen, rest): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|p| p.rank().0 < KIND_WORTH_A_PLACE_BELOW && kinds.insert(p.kind.clone()));
    chosen.truncate(limit);
    let room = limit - chosen.len();
    chosen.extend(rest.into_iter().take(room));
    chosen.sort_by_key(ProblemCall::rank);
    chosen
}

/// A free-text cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@` (or a tab
/// or carriage return, which some spreadsheets skip before one of those) gets a leading `'`, so
/// a visitor's `utm_source=HYPERLINK(...)` stays text in the ROI CSV.
pub fn spreadsheet_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roi::ChannelFigures;

    fn roi() -> Roi {
        let cur = Currency::parse("USD").unwrap();
        let ch = |name: &str, calls, won, rev, cost| ChannelFigures {
            channel: name.into(),
            counters: Counters {
                calls,
                won,
                revenue_minor: rev,
                answered: calls,
                ..Default::default()
            },
            cost_minor: cost,
            ..Default::default()
        };
        let a = ch("google/cpc", 10, 2, 50_000, 20_000);
        let b = ch("billboard", 4, 0, 0, 0);
        let mut totals = ChannelFigures {
            channel: "total".into(),
            ..Default::default()
        };
        for c in [&a, &b] {
            totals.counters.add(&c.counters);
            totals.cost_minor += c.cost_minor;
        }
        Roi {
            tenant: TenantId::parse("acme").unwrap(),
            currency: cur,
            from: "2026-01-01".parse().unwrap(),
            to: "2026-01-31".parse().unwrap(),
            dimension: Dimension::Channel,
            timezone: "UTC".into(),
            language: "en-US".into(),
            channels: vec![a, b],
            totals,
            notes: vec![],
            daily: vec![],
        }
    }

    fn flagged(sid: &str, score: u8, kind: &str) -> ProblemCall {
        ProblemCall {
            call_id: CallId::derive(&TenantId::parse("acme").unwrap(), Provider::Generic, sid),
            day: "2026-03-02".parse().unwrap(),
            started_at: "2026-03-02T10:00:00Z".parse().unwrap(),
            channel: "google/cpc".into(),
            manager: None,
            score: Some(score),
            reasons: vec![kind.into()],
            kind: Some(kind.into()),
            retain_until: None,
        }
    }

    #[test]
    fn the_list_takes_the_worst_call_of_each_kind_then_the_worst_of_the_rest() {
        let mut found: Vec<ProblemCall> = (0..8)
            .map(|i| flagged(&format!("c{i}"), 30 + i, "complaint"))
            .collect();
        found.push(flagged("o1", 70, "objection_unhandled"));
        found.push(flagged("o2", 75, "objection_unhandled"));
        found.push(flagged("s1", 80, "long_silences"));
        found.push(flagged("i1", 98, "agent_interrupted"));
        let kinds = |list: &[ProblemCall]| -> Vec<(u8, String)> {
            list.iter()
                .map(|p| (p.score.unwrap(), p.kind.clone().unwrap()))
                .collect()
        };
        let list = worst_of_each_kind(found.clone(), 5);
        assert_eq!(
            kinds(&list),
            [
                (30, "complaint".into()),
                (31, "complaint".into()),
                (32, "complaint".into()),
                (70, "objection_unhandled".into()),
                (80, "long_silences".into()),
            ]
        );
        // Fewer places than kinds: the kinds with the worst calls keep theirs.
        let two = worst_of_each_kind(found.clone(), 2);
        assert_eq!(
            kinds(&two),
            [(30, "complaint".into()), (70, "objection_unhandled".into())]
        );
        // One interruption is no call's first reason to be heard, but it fills a free place.
        let eleven = worst_of_each_kind(found.clone(), 11);
        assert!(
            eleven.iter().all(|p| p.score != Some(98)),
            "{:?}",
            kinds(&eleven)
        );
        let all = worst_of_each_kind(found, 20);
        assert_eq!((all.len(), all[11].score), (12, Some(98)));
    }

    #[test]
    fn an_indexed_call_names_its_costliest_reason_and_says_complaint_once() {
        let tenant = TenantId::parse("acme").unwrap();
        let at: DateTime<Utc> = "2026-03-02T10:00:00Z".parse().unwrap();
        let mut call = Call::new(&tenant, Provider::Generic, "c1", Direction::Inbound, at);
        call.quality_score = Some(40);
        call.analysis = Some(serde_json::json!({
            "complaint": true,
            "reasons": [
                {"code": "script_stage_missing", "message": "script stage greeting", "points": 6.0},
                {"code": "complaint", "message": "the customer complained (\"third time\" at 5.8 s)", "points": 25.0},
                {"code": "conflict", "message": "the customer escalated", "points": 20.0},
            ]
        }));
        let p = problem_of(&call).unwrap();
        assert_eq!(p.kind.as_deref(), Some("complaint"));
        assert_eq!(p.reasons.len(), 3, "{:?}", p.reasons);
        assert!(p.reasons[0].starts_with("the customer complained"));
        // A complaint the tenant weighs at nothing is still named, and first.
        call.analysis = Some(serde_json::json!({
            "complaint": true,
            "reasons": [{"code": "long_silences", "message": "2 silence(s)", "points": 4.0}]
        }));
        let p = problem_of(&call).unwrap();
        assert_eq!(p.kind.as_deref(), Some("complaint"));
        assert_eq!(p.reasons, ["complaint", "2 silence(s)"]);
    }

    #[test]
    fn rows_give_major_units_and_null_ratios_without_cost() {
        let r = Report::new(&roi(), vec![], vec![]);
        assert_eq!(r.channels[0].revenue, 500.0);
        assert_eq!(r.channels[0].cost, 200.0);
        assert_eq!(r.channels[0].roi, Some(1.5));
        assert_eq!(r.channels[0].cost_per_deal, Some(100.0));
        assert_eq!(r.channels[1].roi, None);
        assert_eq!(r.totals.calls, 14);
    }

    #[test]
    fn free_text_cells_that_a_spreadsheet_would_run_are_written_as_text() {
        for (given, written) in [
            (
                "=HYPERLINK(\"https://evil.example\")",
                "'=HYPERLINK(\"https://evil.example\")",
            ),
            ("+1+1", "'+1+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("google/cpc", "google/cpc"),
            ("(direct)/(none)", "(direct)/(none)"),
        ] {
            assert_eq!(spreadsheet_safe(given), written);
        }
    }

    #[test]
    fn csv_has_a_header_a_row_per_channel_and_totals() {
        let csv = Report::new(&roi(), vec![], vec![]).csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("channel,visits,calls"));
        assert!(lines[3].starts_with("total,"));
    }

    #[test]
    fn a_pool_that_ran_out_is_reported_in_text_and_email() {
        let note = |exhaustions, early_reuses| PoolNote {
            pool: PoolId::parse("web").unwrap(),
            numbers: 12,
            exhaustions,
            early_reuses,
        };
        let r = Report::new(&roi(), vec![], vec![note(37, 0)]);
        assert!(r
            .text()
            .contains("Pool web (12 numbers) ran out of numbers 37 times"));
        assert!(r.html("x").contains("ran out of numbers 37 times"));
        let quiet = Report::new(&roi(), vec![], vec![note(0, 0)]);
        assert!(
            !quiet.text().contains("Pool web"),
            "a healthy pool is not mentioned"
        );
    }

    #[test]
    fn the_email_is_in_russian_for_a_russian_tenant_and_english_otherwise() {
        let mut r = Report::new(&roi(), vec![], vec![]);
        let en = r.html("Weekly");
        assert!(en.contains("lang=\"en\"") && en.contains("Revenue vs cost by channel"));
        assert!(en.contains("<th align=\"left\">Answered</th>"));
        r.language = "ru-RU".into();
        let ru = r.html("Неделя");
        assert!(ru.contains("lang=\"ru\""));
        assert!(ru.contains("Выручка и расходы: канал"));
        assert!(ru.contains("<th align=\"left\">Принято</th>"));
        assert!(ru.contains("принято <b>14</b>"), "{ru}");
        assert!(!ru.contains("Revenue vs cost"));
    }

    #[test]
    fn the_plain_text_part_follows_the_tenants_language_and_the_cli_text_stays_english() {
        let mut r = Report::new(&roi(), vec![], vec![]);
        let en = r.email("Weekly", vec!["m@example.com".into()]).text;
        assert!(en.starts_with("Weekly\n\n"), "{en}");
        assert!(
            en.contains("14 answered") && en.contains("ROI by channel"),
            "{en}"
        );
        assert!(!en.contains('<'), "markup left in the text part: {en}");
        r.language = "ru-RU".into();
        let ru = r.email("Неделя", vec!["m@example.com".into()]).text;
        assert!(
            ru.contains("принято 14") && ru.contains("ROI, канал: с "),
            "{ru}"
        );
        assert!(ru.contains("выручка") && !ru.contains("answered"), "{ru}");
        assert!(
            r.text().starts_with("ROI by channel"),
            "the CLI's text is English"
        );
    }

    #[test]
    fn the_email_lists_named_managers_with_their_mean_scores() {
        let mut fig = roi();
        let mut anna = fig.channels[0].clone();
        anna.channel = "anna".into();
        anna.counters.scored = 4;
        anna.counters.score_sum = 290;
        anna.counters.script_sum = 250;
        let mut r = Report::new(&fig, vec![], vec![]);
        r.managers = vec![row(fig.currency, &anna)];
        assert_eq!(r.managers[0].avg_quality_score, Some(72.5));
        assert_eq!(r.managers[0].avg_script_compliance, Some(62.5));
        let mail = r.email("Weekly", vec!["m@example.com".into()]);
        assert!(mail.html.contains("<h3>Managers</h3>"), "{}", mail.html);
        assert!(mail.html.contains("<td>anna</td>"));
        assert!(mail.text.contains("anna |"), "{}", mail.text);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["managers"][0]["avg_quality_score"], 72.5);
        fig.channels.clear();
        let plain = serde_json::to_value(Report::new(&fig, vec![], vec![])).unwrap();
        assert!(
            plain.get("managers").is_none(),
            "no managers key without managers"
        );
    }

    #[test]
    fn html_escapes_channel_names_and_carries_the_chart() {
        let mut r = roi();
        r.channels[1].channel = "<script>".into();
        let html = Report::new(&r, vec![], vec![]).html("Weekly report");
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("<img src=\"data:image/png;base64,"));
        assert!(!html.contains("cid:"));
    }
}
