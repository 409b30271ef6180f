//! The tenant API (Bearer API key): ad costs, the call log, the ROI report, the exports.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use super::{authenticate, ApiError, ApiResult, AppState};
use crate::calls::missed_state;
use crate::exports::{self, ExportKind};
use crate::model::*;
use crate::ports::CallCursor;
use crate::{deals, period, report, roi};

/// Calls per page of `GET /v1/calls` unless `limit` says otherwise.
const DEFAULT_PAGE: usize = 100;
/// The most `limit` may ask for: 1,000 calls are about 0.8 MB of JSON.
const MAX_PAGE: usize = 1000;
/// Store pages read for one answer when filters match little.
const MAX_SCANNED_PAGES: usize = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/costs", put(put_costs))
        .route("/v1/calls", get(list_calls))
        .route("/v1/calls/{id}", get(get_call))
        .route("/v1/reports/roi", get(roi_report))
        .route("/v1/exports/{kind}", get(get_export))
}

/// `from` and `to` of a report-like query, defaulting as `calltrack report` does.
fn query_period(
    q: &HashMap<String, String>,
    tenant: &Tenant,
    now: DateTime<Utc>,
) -> ApiResult<(NaiveDate, NaiveDate)> {
    let day = |name: &str| -> ApiResult<Option<NaiveDate>> {
        q.get(name)
            .filter(|v| !v.is_empty())
            .map(|v| period::parse_day(name, v))
            .transpose()
            .map_err(ApiError::from)
    };
    Ok(period::days(day("from")?, day("to")?, tenant.day_of(now))?)
}

/// `GET /v1/exports/{kind}`: a platform's upload file; what it left out in `x-export-notes`.
async fn get_export(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let tenant = authenticate(&app, &headers).await?;
    let kind = ExportKind::parse(&kind).ok_or_else(|| ApiError::not_found("no such export"))?;
    let now = app.ports.clock.now();
    let (from, to) = query_period(&q, &tenant, now)?;
    let goal = q
        .get("goal")
        .map(|g| g.trim())
        .unwrap_or(exports::DEFAULT_GOAL);
    if goal.is_empty() || goal.chars().count() > 100 {
        return Err(ApiError::invalid(
            "goal",
            "goal must be 1 to 100 characters",
        ));
    }
    let e = exports::export(&*app.ports.store, &tenant, kind, from, to, goal, now).await?;
    let notes: String = e
        .notes
        .join(" | ")
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .collect();
    let disposition = format!("attachment; filename=\"{}\"", kind.file_name());
    Ok((
        [
            (header::CONTENT_TYPE, kind.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::HeaderName::from_static("x-export-rows"),
                e.rows.to_string(),
            ),
            (header::HeaderName::from_static("x-export-notes"), notes),
        ],
        e.body,
    )
        .into_response())
}

async fn put_costs(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let tenant = authenticate(&app, &headers).await?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let is_json = if ct.starts_with("application/json") {
        true
    } else if ct.starts_with("text/csv") || ct.starts_with("text/plain") {
        false
    } else {
        return Err(ApiError::invalid(
            "content-type",
            "send text/csv (with a header row) or application/json",
        ));
    };
    let rows = deals::parse_costs(&tenant, &body, is_json)?;
    app.ports.store.put_costs(&tenant.id, &rows).await?;
    Ok(Json(json!({"imported": rows.len()})).into_response())
}

/// A period from `from`/`to` query values: dates (`2026-01-31`) or RFC 3339 instants; the
/// default is the last 7 days. `to` is inclusive for dates.
fn period(
    tenant: &Tenant,
    q: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let parse = |name: &str, end: bool| -> ApiResult<Option<DateTime<Utc>>> {
        let Some(v) = q.get(name).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        if let Some(t) = period::parse_instant(name, v) {
            return Ok(Some(t?));
        }
        let d = period::parse_day(name, v).map_err(|_| {
            ApiError::invalid(
                name,
                format!("'{v}' is not a date (YYYY-MM-DD, years 0001 to 9999) or RFC 3339 time"),
            )
        })?;
        let (start, next) = roi::day_bounds(tenant, d, d);
        Ok(Some(if end { next } else { start }))
    };
    let to = parse("to", true)?.unwrap_or(now);
    let from = match parse("from", false)? {
        Some(f) => f,
        None => to
            .checked_sub_signed(Duration::days(7))
            .ok_or_else(|| ApiError::invalid("to", "too early to look back 7 days from"))?,
    };
    if from >= to {
        return Err(ApiError::invalid("from", "must be before 'to'"));
    }
    if to - from > Duration::days(period::MAX_DAYS) {
        return Err(ApiError::invalid(
            "to",
            format!("a period is at most {} days", period::MAX_DAYS),
        ));
    }
    Ok((from, to))
}

/// A call as the API shows it: the stored call plus its missed-call state.
fn call_view(tenant: &Tenant, call: &Call, now: DateTime<Utc>) -> Value {
    let mut v = serde_json::to_value(call).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("version");
        m.remove("stated_ring_seconds");
        m.remove("stated_talk_seconds");
        m.insert(
            "missed_state".into(),
            json!(missed_state(tenant, call, now)),
        );
    }
    v
}

/// `GET /v1/calls`: one page of `limit` calls (default [`DEFAULT_PAGE`], at most [`MAX_PAGE`]:
/// a page stays far below Lambda's 6 MB answer), with `next_cursor` to ask for the next.
async fn list_calls(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let tenant = authenticate(&app, &headers).await?;
    let now = app.ports.clock.now();
    let (from, to) = period(&tenant, &q, now)?;
    let outcome = match q.get("outcome").filter(|v| !v.is_empty()) {
        Some(o) => Some(match o.as_str() {
            "returned" | "lost" | "pending" => o.clone(),
            _ => Outcome::parse(o)
                .ok_or_else(|| ApiError::invalid("outcome", format!("'{o}' is not an outcome (answered, short, missed, failed, ringing, in_progress, returned, lost)")))?
                .as_str()
                .to_string(),
        }),
        None => None,
    };
    let channel = q.get("channel").filter(|v| !v.is_empty());
    let limit = match q.get("limit").filter(|v| !v.is_empty()) {
        None => DEFAULT_PAGE,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "limit",
                    format!("'{l}' is not a whole number from 1 to {MAX_PAGE}"),
                )
            })?,
    };
    let mut cursor = match q.get("cursor").filter(|v| !v.is_empty()) {
        None => None,
        Some(c) => Some(
            CallCursor::decode(c)
                .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this API gave"))?,
        ),
    };
    let keep = |c: &Call| {
        channel.is_none_or(|ch| &c.attribution.channel == ch)
            && match outcome.as_deref() {
                None => true,
                Some(o @ ("returned" | "lost" | "pending")) => missed_state(&tenant, c, now)
                    .is_some_and(|s| serde_json::to_value(s).ok() == Some(json!(o))),
                Some(o) => c.outcome.as_str() == o,
            }
    };
    // Pages of `limit` are read until `limit` calls match or the period ends; a filter that
    // matches little stops after MAX_SCANNED_PAGES and hands out a cursor to go on from.
    let mut shown = Vec::new();
    let mut more = false;
    for _ in 0..MAX_SCANNED_PAGES {
        let page = app
            .ports
            .store
            .calls_page(&tenant.id, from, to, cursor.as_ref(), limit)
            .await?;
        more = page.len() == limit;
        for c in &page {
            cursor = Some(CallCursor::after(c));
            if keep(c) {
                shown.push(call_view(&tenant, c, now));
                if shown.len() == limit {
                    break;
                }
            }
        }
        if shown.len() == limit {
            more = more || page.last().map(CallCursor::after) != cursor;
            break;
        }
        if !more {
            break;
        }
    }
    let next = more.then(|| cursor.map(|c| c.encode())).flatten();
    Ok(Json(
        json!({"from": from, "to": to, "count": shown.len(), "calls": shown, "next_cursor": next}),
    )
    .into_response())
}

async fn get_call(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let tenant = authenticate(&app, &headers).await?;
    let id = CallId::parse(&id).map_err(|_| ApiError::not_found("no such call"))?;
    let call = app
        .ports
        .store
        .get_call(&tenant.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such call"))?;
    let mut v = call_view(&tenant, &call, app.ports.clock.now());
    if let (Some(key), Value::Object(m)) = (&call.recording_key, &mut v) {
        let link = app
            .ports
            .blobs
            .link(key, std::time::Duration::from_secs(3600))
            .await?;
        m.insert("recording_link".into(), json!(link));
    }
    Ok(Json(v).into_response())
}

async fn roi_report(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let tenant = authenticate(&app, &headers).await?;
    let now = app.ports.clock.now();
    let (from, to) = query_period(&q, &tenant, now)?;
    let dim = match q.get("group_by").filter(|v| !v.is_empty()) {
        None => Dimension::Channel,
        Some(v) => Dimension::parse(v).ok_or_else(|| {
            let known: Vec<&str> = Dimension::ALL.iter().map(|d| d.as_str()).collect();
            ApiError::invalid(
                "group_by",
                format!("unknown dimension '{v}' (one of {})", known.join(", ")),
            )
        })?,
    };
    let report = report::build_by(&*app.ports.store, &tenant, dim, from, to, now).await?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(if accept.contains("text/csv") {
        (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            report.csv(),
        )
            .into_response()
    } else if accept.contains("text/html") {
        let title = format!("{}: calls and ROI", tenant.name);
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            report.html(&title),
        )
            .into_response()
    } else {
        Json(report).into_response()
    })
}
