//! Call ingest: merge normalised provider events into calls, exactly once and in any order.
//!
//! Every event is one unit of work: read the call (by its id derived from the provider's call
//! id), merge the event, work out what the counters must move by, and commit all of it with
//! the event's identity claimed in the same transaction. A redelivery finds its claim and
//! changes nothing; a concurrent writer makes the commit conflict and the event is merged again
//! on the fresh call. A missed call is marked returned by the first connected call with the same
//! customer inside the tenant's callback SLA, in the same unit of work.

use chrono::{DateTime, Duration, Utc};
use tracing::{info, warn};

use crate::model::*;
use crate::ports::*;
use crate::{attribution, recordings, rollups};

/// How long an event's claim is kept (garbage collection only).
const CLAIM_DAYS: i64 = 14;
/// Optimistic retries before giving up with a retryable error.
const MAX_ATTEMPTS: usize = 8;
/// Returned calls marked in one transaction at most; fewer when their rollup rows and cells
/// would take the commit past [`MAX_COMMIT_ACTIONS`]. The rest are marked in further commits.
const RETURNED_PER_COMMIT: usize = 20;

/// What happened to one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Ingested {
    /// Merged; the call as stored now, and what changed that callers may act on.
    Applied {
        call: Box<Call>,
        newly_missed: bool,
        returned: Vec<CallId>,
        /// Alerts committed with the call, to deliver now ([`crate::alerts::deliver`]); the
        /// outbox drain retries whatever this delivery does not finish.
        outbox: Vec<OutboxItem>,
    },
    /// Already seen: nothing changed.
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the call changed under us {0} times in a row; retry")]
    Contended(usize),
    /// The event's signed identity is not the one its call was first seen with
    /// ([`CallEvent::binding`]): a signed request grafted onto another call. Nothing is written.
    #[error("{0}")]
    Mismatch(Invalid),
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Everything one webhook event sets off: the merge (a recording event that [`recordings`]
/// may fetch leaves the call "recording pending"), the download queued (after the duplicate
/// check: a redelivery queues it again only while it has not happened), and the missed-call
/// alert. The webhook never waits for the audio.
pub async fn receive(
    ports: &Ports,
    tenant: &Tenant,
    event: &CallEvent,
) -> Result<Ingested, ReceiveError> {
    let now = ports.clock.now();
    let source = recordings::source_for(tenant, event).unwrap_or_else(|why| {
        warn!(tenant = %tenant.id, provider = %event.provider, reason = %why, "recording not fetched");
        None
    });
    let out = ingest(&*ports.store, tenant, event, source.is_some(), now).await?;
    if let Some(source) = source {
        let call = CallId::derive(&tenant.id, event.provider, &event.provider_call_id);
        let queue_it = match &out {
            Ingested::Applied { call, .. } => call.recording_pending,
            Ingested::Duplicate => ports
                .store
                .get_call(&tenant.id, &call)
                .await
                .map_err(IngestError::from)?
                .is_some_and(|c| c.recording_pending && c.recording_key.is_none()),
        };
        if queue_it {
            let job = recordings::RecordingJob {
                tenant: tenant.id.clone(),
                call,
                provider: event.provider,
                source,
            };
            ports.recordings.enqueue(&job).await?;
        }
    }
    if let Ingested::Applied { outbox, call, .. } = &out {
        crate::alerts::deliver(ports, outbox, Some((tenant, call)), now).await;
    }
    Ok(out)
}

/// Merges one event into its call and commits it with its rollups and returned calls.
/// `recording_pending` marks a call whose recording is about to be queued for download.
pub async fn ingest(
    store: &dyn Store,
    tenant: &Tenant,
    event: &CallEvent,
    recording_pending: bool,
    now: DateTime<Utc>,
) -> Result<Ingested, IngestError> {
    let id = CallId::derive(&tenant.id, event.provider, &event.provider_call_id);
    let claim = EventKey {
        tenant: tenant.id.clone(),
        key: format!("{}:{}", event.provider, event.event_id),
        expires_at: now + Duration::days(CLAIM_DAYS),
    };
    for _ in 0..MAX_ATTEMPTS {
        let existing = store.get_call(&tenant.id, &id).await?;
        let (old, expected_version) = match existing {
            Some(c) => {
                let v = c.version;
                (Some(c), Some(v))
            }
            None => (None, None),
        };
        if let (Some(call), Some(b)) = (&old, &event.binding) {
            if call.binding.as_ref().is_some_and(|seen| seen != b) {
                return Err(IngestError::Mismatch(Invalid::new(
                    "pbx_call_id",
                    "this call id was first seen with other signed fields (caller, start); refused",
                )));
            }
        }
        let base = match &old {
            Some(c) => c.clone(),
            None => new_call(store, tenant, event).await?,
        };
        let mut merged = merge(tenant, base, event);
        if recording_pending && merged.recording_key.is_none() {
            merged.recording_pending = true;
        }
        let mut returned = returned_calls(store, tenant, old.as_ref(), &merged).await?;
        let mut later = returned.split_off(returned.len().min(RETURNED_PER_COMMIT));

        let newly_missed = merged.outcome == Outcome::Missed
            && merged.direction == Direction::Inbound
            && old.as_ref().is_none_or(|o| o.outcome != Outcome::Missed);
        let outbox = if newly_missed {
            crate::alerts::outbox_for(tenant, &merged, now)
        } else {
            vec![]
        };
        let build = |returned: &[(Call, Call)]| Commit {
            tenant: Some(tenant.id.clone()),
            event: Some(claim.clone()),
            outbox: outbox.clone(),
            ..returned_commit(
                tenant,
                returned,
                old.iter()
                    .flat_map(|c| rollups::call_contribution(tenant, c)),
                rollups::call_contribution(tenant, &merged),
                Some(CallWrite::new(merged.clone(), expected_version)),
            )
        };
        let mut commit = build(&returned);
        while commit.actions() > MAX_COMMIT_ACTIONS {
            let Some(last) = returned.pop() else { break };
            later.insert(0, last);
            commit = build(&returned);
        }
        match store.commit(&commit).await? {
            CommitOutcome::Duplicate => return Ok(Ingested::Duplicate),
            CommitOutcome::Conflict => continue,
            CommitOutcome::Committed => {
                info!(
                    tenant = %tenant.id, call_id = %merged.id, provider = %event.provider,
                    event = ?event.kind, outcome = merged.outcome.as_str(),
                    caller = merged.caller.as_ref().map(|c| c.masked()).unwrap_or_default(),
                    "call event merged"
                );
                // The call as committed: the write carries its new version.
                let call = commit.calls.swap_remove(0).call;
                let mut ids: Vec<CallId> = returned.into_iter().map(|(_, c)| c.id).collect();
                ids.extend(mark_returned(store, tenant, later).await?);
                return Ok(Ingested::Applied {
                    call: Box::new(call),
                    newly_missed,
                    returned: ids,
                    outbox,
                });
            }
        }
    }
    Err(IngestError::Contended(MAX_ATTEMPTS))
}

/// The writes and rollup moves of marking `returned` (as read, as updated) pairs, with an extra
/// write and its contribution before and after (the event's own call).
fn returned_commit(
    tenant: &Tenant,
    returned: &[(Call, Call)],
    before: impl IntoIterator<Item = RollupDelta>,
    after: impl IntoIterator<Item = RollupDelta>,
    first: Option<CallWrite>,
) -> Commit {
    let mut before: Vec<RollupDelta> = before.into_iter().collect();
    let mut after: Vec<RollupDelta> = after.into_iter().collect();
    let mut writes: Vec<CallWrite> = first.into_iter().collect();
    for (was, now_returned) in returned {
        before.extend(rollups::call_contribution(tenant, was));
        after.extend(rollups::call_contribution(tenant, now_returned));
        writes.push(CallWrite::new(now_returned.clone(), Some(was.version)));
    }
    Commit {
        tenant: Some(tenant.id.clone()),
        calls: writes,
        rollups: rollups::diff(before, after),
        ..Commit::default()
    }
}

/// Marks the returned calls that did not fit the event's own commit, [`RETURNED_PER_COMMIT`]
/// at a time; a call changed meanwhile is read again and marked if it is still unreturned.
async fn mark_returned(
    store: &dyn Store,
    tenant: &Tenant,
    pending: Vec<(Call, Call)>,
) -> Result<Vec<CallId>, IngestError> {
    let mut marked = vec![];
    let mut pending = std::collections::VecDeque::from(pending);
    while !pending.is_empty() {
        let take = pending.len().min(RETURNED_PER_COMMIT);
        let mut batch: Vec<(Call, Call)> = pending.drain(..take).collect();
        while batch.len() > 1
            && returned_commit(tenant, &batch, [], [], None).actions() > MAX_COMMIT_ACTIONS
        {
            if let Some(last) = batch.pop() {
                pending.push_front(last);
            }
        }
        let mut attempts = 0;
        while !batch.is_empty() {
            let commit = returned_commit(tenant, &batch, [], [], None);
            match store.commit(&commit).await? {
                CommitOutcome::Committed | CommitOutcome::Duplicate => {
                    marked.extend(batch.iter().map(|(_, c)| c.id.clone()));
                    break;
                }
                CommitOutcome::Conflict => {
                    attempts += 1;
                    if attempts >= MAX_ATTEMPTS {
                        return Err(IngestError::Contended(attempts));
                    }
                    let mut fresh = vec![];
                    for (_, wanted) in &batch {
                        let Some(now) = store.get_call(&tenant.id, &wanted.id).await? else {
                            continue;
                        };
                        if now.returned_at.is_none() && now.outcome == Outcome::Missed {
                            let mut r = now.clone();
                            r.returned_at = wanted.returned_at;
                            r.returned_by = wanted.returned_by.clone();
                            r.returned_by_agent = wanted.returned_by_agent.clone();
                            fresh.push((now, r));
                        }
                    }
                    batch = fresh;
                }
            }
        }
    }
    Ok(marked)
}

/// A call seen for the first time: who called which number, and where the call came from.
async fn new_call(
    store: &dyn Store,
    tenant: &Tenant,
    event: &CallEvent,
) -> Result<Call, StoreError> {
    let (tracking_number, caller) = match event.direction {
        Direction::Inbound => (event.to.clone(), event.from.clone()),
        Direction::Outbound => (event.from.clone(), event.to.clone()),
    };
    let mut call = Call {
        tracking_number,
        caller,
        ..Call::new(
            &tenant.id,
            event.provider,
            &event.provider_call_id,
            event.direction,
            event_start(event),
        )
    };
    let (attribution, first_time_caller) =
        attribution::attribute_new_call(store, tenant, &call).await?;
    call.attribution = attribution;
    call.first_time_caller = first_time_caller;
    Ok(call)
}

/// When the call began, as far as this event tells: an `ended` event with durations reaches back.
fn event_start(event: &CallEvent) -> DateTime<Utc> {
    match event.kind {
        EventKind::Ended | EventKind::Recording => {
            let back = i64::from(event.ring_seconds.unwrap_or(0))
                + i64::from(event.talk_seconds.unwrap_or(0));
            event.at - Duration::seconds(back)
        }
        EventKind::Answered => {
            event.at - Duration::seconds(i64::from(event.ring_seconds.unwrap_or(0)))
        }
        _ => event.at,
    }
}

fn stage(o: Outcome) -> u8 {
    match o {
        Outcome::Ringing => 0,
        Outcome::InProgress => 1,
        _ => 2,
    }
}

/// Merges one event into a call. Status never moves backwards; durations the provider states
/// win over ones computed from timestamps; whichever event comes first created the call.
pub fn merge(tenant: &Tenant, mut call: Call, event: &CallEvent) -> Call {
    call.started_at = call.started_at.min(event_start(event));
    if call.caller.is_none() {
        call.caller = match call.direction {
            Direction::Inbound => event.from.clone(),
            Direction::Outbound => event.to.clone(),
        };
    }
    if call.tracking_number.is_none() {
        call.tracking_number = match call.direction {
            Direction::Inbound => event.to.clone(),
            Direction::Outbound => event.from.clone(),
        };
    }
    if event.answered_by.is_some() {
        call.answered_by = event.answered_by.clone();
    }
    if let Some(agent) = event.rung.as_ref().filter(|a| a.chars().count() <= 64) {
        if !call.rung.contains(agent) && call.rung.len() < Call::MAX_RUNG {
            call.rung.push(agent.clone());
        }
    }
    if event.raw_status.is_some() {
        call.raw_status = event.raw_status.clone();
    }
    call.last_sequence = call.last_sequence.max(event.sequence);
    if call.binding.is_none() {
        call.binding = event.binding.clone();
    }
    match event.kind {
        EventKind::Started | EventKind::Ringing => {}
        EventKind::Answered => {
            call.answered_at = Some(call.answered_at.map_or(event.at, |a| a.min(event.at)));
            if stage(call.outcome) < 1 {
                call.outcome = Outcome::InProgress;
            }
        }
        EventKind::Ended => {
            // The latest end the provider reports wins, whatever order the reports arrive in.
            let latest = call.ended_at.is_none_or(|e| event.at >= e);
            call.ended_at = Some(call.ended_at.map_or(event.at, |e| e.max(event.at)));
            if !latest {
                call.stated_ring_seconds = call.stated_ring_seconds.or(event.ring_seconds);
                call.stated_talk_seconds = call.stated_talk_seconds.or(event.talk_seconds);
            } else if let Some(o) = event.outcome {
                call.outcome = o;
                call.missed_reason = if o == Outcome::Missed {
                    event.missed_reason.or(call.missed_reason)
                } else {
                    None
                };
            } else if stage(call.outcome) < 2 {
                call.outcome = if call.answered_at.is_some() {
                    Outcome::Answered
                } else {
                    Outcome::Missed
                };
            }
            if latest {
                call.stated_ring_seconds = event.ring_seconds.or(call.stated_ring_seconds);
                call.stated_talk_seconds = event.talk_seconds.or(call.stated_talk_seconds);
            }
        }
        EventKind::Recording => {
            call.stated_talk_seconds = call.stated_talk_seconds.or(event.talk_seconds);
        }
    }
    derive_durations(&mut call);
    if call.rollup_day.is_none() {
        // Counted under this day from now on, whatever the tenant's zone becomes.
        call.rollup_day = Some(tenant.day_of(call.started_at));
    }
    call.grouped = true;
    call.sketched = true;
    call.retain_until = tenant.retain_until(call.started_at);
    if matches!(call.outcome, Outcome::Answered | Outcome::Short) {
        let talk = call.talk_seconds.unwrap_or(0);
        call.outcome = if talk < tenant.short_call_seconds {
            Outcome::Short
        } else {
            Outcome::Answered
        };
    }
    call
}

/// Durations: as stated by the provider, else computed from the timestamps we have so far.
fn derive_durations(call: &mut Call) {
    let secs = |a: DateTime<Utc>, b: DateTime<Utc>| {
        u32::try_from((b - a).num_seconds().max(0)).unwrap_or(u32::MAX)
    };
    let ring = match (call.answered_at, call.ended_at) {
        (Some(a), _) => Some(secs(call.started_at, a)),
        (None, Some(e)) if call.outcome == Outcome::Missed => Some(secs(call.started_at, e)),
        _ => None,
    };
    let talk = match (call.answered_at, call.ended_at) {
        (Some(a), Some(e)) => Some(secs(a, e)),
        _ => None,
    };
    call.ring_seconds = call.stated_ring_seconds.or(ring);
    call.talk_seconds = call.stated_talk_seconds.or(talk);
}

/// When a call connects with a customer who has unreturned missed calls inside the callback SLA,
/// those calls are returned by it. Returns (as read, as updated) pairs.
async fn returned_calls(
    store: &dyn Store,
    tenant: &Tenant,
    old: Option<&Call>,
    merged: &Call,
) -> Result<Vec<(Call, Call)>, StoreError> {
    let connected = |c: &Call| {
        c.answered_at.is_some() || matches!(c.outcome, Outcome::Answered | Outcome::Short)
    };
    if !connected(merged) || old.is_some_and(connected) {
        return Ok(vec![]);
    }
    let Some(customer) = &merged.caller else {
        return Ok(vec![]);
    };
    let connected_at = merged.answered_at.unwrap_or(merged.started_at);
    let sla = Duration::minutes(i64::from(tenant.callback_sla_minutes));
    let earlier = store
        .calls_with(&tenant.id, customer, connected_at - sla)
        .await?;
    Ok(earlier
        .into_iter()
        .filter(|c| {
            c.id != merged.id
                && c.direction == Direction::Inbound
                && c.outcome == Outcome::Missed
                && c.returned_at.is_none()
                && c.started_at < connected_at
                && connected_at <= c.ended_at.unwrap_or(c.started_at) + sla
        })
        .map(|c| {
            let mut r = c.clone();
            r.returned_at = Some(connected_at);
            r.returned_by = Some(merged.id.clone());
            r.returned_by_agent = merged.answered_by.clone();
            (c, r)
        })
        .collect())
}

/// Counts in full every inbound call an earlier version counted in part: under every
/// [`Dimension`] (calls counted before dimensions existed) and in the sketch cells (calls counted
/// before unique callers and the time to return were kept). Each call moves in its own commit,
/// conditioned on its version, so it runs beside live traffic; `calltrack migrate`'s step,
/// idempotent. Returns how many calls it counted in full.
pub async fn count_in_full(store: &dyn Store, tenant: &Tenant) -> Result<u64, IngestError> {
    const PAGE: usize = 500;
    let (from, to) = (DateTime::<Utc>::UNIX_EPOCH, Utc::now() + Duration::days(1));
    let mut cursor: Option<CallCursor> = None;
    let mut counted = 0;
    loop {
        let page = store
            .calls_page(&tenant.id, from, to, cursor.as_ref(), PAGE)
            .await?;
        for call in &page {
            if call.direction == Direction::Inbound && !(call.grouped && call.sketched) {
                counted += u64::from(count_call_in_full(store, tenant, call.clone()).await?);
            }
        }
        if page.len() < PAGE {
            return Ok(counted);
        }
        cursor = page.last().map(CallCursor::after);
    }
}

/// One call of [`count_in_full`]: false when a change meanwhile already counted it in full.
async fn count_call_in_full(
    store: &dyn Store,
    tenant: &Tenant,
    mut call: Call,
) -> Result<bool, IngestError> {
    for _ in 0..MAX_ATTEMPTS {
        if call.grouped && call.sketched {
            return Ok(false);
        }
        let full = Call {
            grouped: true,
            sketched: true,
            ..call.clone()
        };
        let commit = Commit {
            tenant: Some(tenant.id.clone()),
            rollups: rollups::diff(
                rollups::call_contribution(tenant, &call),
                rollups::call_contribution(tenant, &full),
            ),
            calls: vec![CallWrite::new(full, Some(call.version))],
            ..Commit::default()
        };
        match store.commit(&commit).await? {
            CommitOutcome::Committed | CommitOutcome::Duplicate => return Ok(true),
            CommitOutcome::Conflict => match store.get_call(&tenant.id, &call.id).await? {
                Some(fresh) => call = fresh,
                None => return Ok(false),
            },
        }
    }
    Err(IngestError::Contended(MAX_ATTEMPTS))
}

/// A missed call's fate at `now`: returned, still inside the SLA, or lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissedState {
    Returned,
    Pending,
    Lost,
}

/// Decides a missed call's state from times alone (no job has to mark it lost).
pub fn missed_state(tenant: &Tenant, call: &Call, now: DateTime<Utc>) -> Option<MissedState> {
    if call.outcome != Outcome::Missed || call.direction != Direction::Inbound {
        return None;
    }
    if call.returned_at.is_some() {
        return Some(MissedState::Returned);
    }
    let deadline = call.ended_at.unwrap_or(call.started_at)
        + Duration::minutes(i64::from(tenant.callback_sla_minutes));
    Some(if now <= deadline {
        MissedState::Pending
    } else {
        MissedState::Lost
    })
}

/// Applies every tenant's retention (`Tenant::retention_days`, and the lease retention): what
/// is due is deleted; rollups, deals and costs stay. `serve` runs it hourly; on AWS the items'
/// TTL does the same.
pub async fn sweep_retention(store: &dyn Store, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut removed = 0;
    for tenant in store.list_tenants().await? {
        removed += store.delete_expired(&tenant, now).await?;
    }
    if removed > 0 {
        info!(removed, "retention applied");
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Tenant {
        Tenant::new(TenantId::parse("acme").unwrap(), "Acme")
    }

    fn ev(kind: EventKind, at: &str) -> CallEvent {
        CallEvent {
            from: Some(PhoneNumber::parse("+14158675309", None).unwrap()),
            to: Some(PhoneNumber::parse("+14155552671", None).unwrap()),
            ..CallEvent::new(
                Provider::Generic,
                "call-1",
                format!("{kind:?}-{at}"),
                kind,
                DateTime::parse_from_rfc3339(at)
                    .unwrap()
                    .with_timezone(&Utc),
            )
        }
    }

    fn blank(t: &Tenant, first: &CallEvent) -> Call {
        Call::new(
            &t.id,
            first.provider,
            &first.provider_call_id,
            first.direction,
            event_start(first),
        )
    }

    fn apply(events: &[CallEvent]) -> Call {
        let t = tenant();
        events
            .iter()
            .fold(blank(&t, &events[0]), |c, e| merge(&t, c, e))
    }

    #[test]
    fn events_in_any_order_merge_to_the_same_answered_call() {
        let ring = ev(EventKind::Ringing, "2026-01-01T10:00:00Z");
        let ans = ev(EventKind::Answered, "2026-01-01T10:00:12Z");
        let mut end = ev(EventKind::Ended, "2026-01-01T10:03:12Z");
        end.outcome = Some(Outcome::Answered);
        let forward = apply(&[ring.clone(), ans.clone(), end.clone()]);
        let backward = apply(&[end, ans, ring]);
        assert_eq!(forward.outcome, Outcome::Answered);
        assert_eq!(
            (forward.ring_seconds, forward.talk_seconds),
            (Some(12), Some(180))
        );
        assert_eq!(
            Call {
                version: 0,
                ..forward
            },
            Call {
                version: 0,
                ..backward
            }
        );
    }

    #[test]
    fn a_late_ringing_never_moves_an_ended_call_backwards() {
        let mut end = ev(EventKind::Ended, "2026-01-01T10:00:30Z");
        end.outcome = Some(Outcome::Missed);
        end.missed_reason = Some(MissedReason::NoAnswer);
        let call = apply(&[end, ev(EventKind::Ringing, "2026-01-01T10:00:00Z")]);
        assert_eq!(call.outcome, Outcome::Missed);
        assert_eq!(call.missed_reason, Some(MissedReason::NoAnswer));
        assert_eq!(call.ring_seconds, Some(30));
    }

    #[test]
    fn stated_durations_win_over_computed_ones_and_short_calls_are_short() {
        let ans = ev(EventKind::Answered, "2026-01-01T10:00:05Z");
        let mut end = ev(EventKind::Ended, "2026-01-01T10:00:20Z");
        end.outcome = Some(Outcome::Answered);
        end.talk_seconds = Some(7);
        let call = apply(&[ans, end]);
        assert_eq!(call.talk_seconds, Some(7));
        assert_eq!(
            call.outcome,
            Outcome::Short,
            "under the tenant's 10 s threshold"
        );
    }

    #[test]
    fn missed_state_comes_from_times_alone() {
        let t = tenant();
        let mut end = ev(EventKind::Ended, "2026-01-01T10:00:30Z");
        end.outcome = Some(Outcome::Missed);
        let call = apply(&[end]);
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            missed_state(&t, &call, at("2026-01-01T10:20:00Z")),
            Some(MissedState::Pending)
        );
        assert_eq!(
            missed_state(&t, &call, at("2026-01-01T10:30:30Z")),
            Some(MissedState::Pending)
        );
        assert_eq!(
            missed_state(&t, &call, at("2026-01-01T10:30:31Z")),
            Some(MissedState::Lost)
        );
    }
}
