//! Keys and attribute mapping for the single table, by hand: one function per key shape and a
//! few typed readers, so a wrong attribute is a `Corrupt` error naming it, never a panic.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use calltrack::model::*;
use calltrack::ports::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub(crate) type Item = HashMap<String, AttributeValue>;

// Attribute names.
pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";
pub(crate) const GSI1PK: &str = "gsi1pk";
pub(crate) const GSI1SK: &str = "gsi1sk";
pub(crate) const GSI2PK: &str = "gsi2pk";
pub(crate) const GSI2SK: &str = "gsi2sk";
pub(crate) const DOC: &str = "doc";
pub(crate) const TTL: &str = "ttl";

/// Key prefixes and shapes (see the module doc of `dynamo` for the whole table).
pub(crate) mod key {
    use super::*;

    pub(crate) fn tenant_pk(t: &TenantId) -> String {
        format!("T#{t}")
    }
    pub(crate) const TENANT_SK: &str = "TENANT";
    pub(crate) const TENANTS_GSI1: &str = "TENANTS";
    /// Every tenant's pending outbox items, by due time (a low-volume partition: alerts only).
    pub(crate) const OUTBOX_GSI1: &str = "OUTBOX";
    pub(crate) fn outbox_sk(key: &str) -> String {
        format!("OUTBOX#{key}")
    }
    pub(crate) fn outbox_gsi1sk(o: &calltrack::ports::OutboxItem) -> String {
        format!("{}#{}#{}", ts(o.due_at), o.tenant, o.key)
    }

    pub(crate) fn site_key_pk(k: &str) -> String {
        format!("SITEKEY#{k}")
    }
    pub(crate) const SITE_KEY_SK: &str = "SITEKEY";

    pub(crate) fn number_pk(n: &PhoneNumber) -> String {
        format!("NUM#{n}")
    }
    pub(crate) const NUMBER_SK: &str = "NUM";
    pub(crate) fn numbers_gsi1(t: &TenantId) -> String {
        format!("T#{t}#NUMS")
    }

    pub(crate) fn pool_sk(p: &PoolId) -> String {
        format!("POOL#{p}")
    }
    pub(crate) const POOL_PREFIX: &str = "POOL#";

    pub(crate) fn slot_sk(p: &PoolId, n: &PhoneNumber) -> String {
        format!("SLOT#{p}#{n}")
    }
    pub(crate) fn slots_gsi1(t: &TenantId, p: &PoolId) -> String {
        format!("T#{t}#SLOTS#{p}")
    }
    pub(crate) fn slot_gsi1sk(available_at: DateTime<Utc>, n: &PhoneNumber) -> String {
        format!("{}#{n}", ts(available_at))
    }

    pub(crate) fn lease_pk(id: &LeaseId) -> String {
        format!("LEASE#{id}")
    }
    pub(crate) const LEASE_SK: &str = "LEASE";
    pub(crate) fn leases_by_number_gsi1(t: &TenantId, n: &PhoneNumber) -> String {
        format!("T#{t}#LEASES#{n}")
    }
    pub(crate) fn leases_by_visitor_gsi2(t: &TenantId, p: &PoolId, visitor: &str) -> String {
        format!("T#{t}#VISITOR#{p}#{visitor}")
    }

    pub(crate) fn health_sk(p: &PoolId, hour: DateTime<Utc>) -> String {
        format!("HEALTH#{p}#{}", ts(hour))
    }

    /// A rate bucket: its own partition, so buckets never make one tenant item hot.
    pub(crate) fn bucket_pk(t: &TenantId, k: &str) -> String {
        format!("RL#{t}#{}", escape(k))
    }
    pub(crate) const BUCKET_SK: &str = "BUCKET";
    pub(crate) fn call_sk(id: &CallId) -> String {
        format!("CALL#{id}")
    }
    pub(crate) fn calls_gsi1(t: &TenantId) -> String {
        format!("T#{t}#CALLS")
    }
    pub(crate) fn calls_by_caller_gsi2(t: &TenantId, caller: &PhoneNumber) -> String {
        format!("T#{t}#CALLER#{caller}")
    }

    pub(crate) fn deal_sk(id: &str) -> String {
        format!("DEAL#{id}")
    }
    pub(crate) fn deals_gsi1(t: &TenantId) -> String {
        format!("T#{t}#DEALS")
    }

    /// Channel and campaign are free text: escaped so `a#b`/`c` and `a`/`b#c` stay two rows.
    pub(crate) fn cost_sk(date: NaiveDate, channel: &str, campaign: &str) -> String {
        format!("COST#{date}#{}#{}", escape(channel), escape(campaign))
    }

    /// The channel is the last part, so the sort key orders rows by (day, channel) exactly.
    /// `ROLLUP#<day>#<channel>` for the channel (as before dimensions), `ROLLUP#<dim>#<day>#<group>`
    /// for the others: a dimension's letters sort after every day's digits, so each is one range.
    pub(crate) fn rollup_sk(dim: Dimension, day: NaiveDate, group: &str) -> String {
        match dim {
            Dimension::Channel => format!("ROLLUP#{day}#{group}"),
            _ => format!("ROLLUP#{}#{day}#{group}", dim.as_str()),
        }
    }

    /// `CELLS#<dim>#<day>#<group>`: a rollup row's sketch cells, an item apart from its
    /// counters because they change only when a call joins or leaves the row (so the counters'
    /// item, written on every event, stays small).
    pub(crate) fn cells_sk(dim: Dimension, day: NaiveDate, group: &str) -> String {
        format!("CELLS#{}#{day}#{group}", dim.as_str())
    }

    /// `PROBLEM#<day>#<score>#<ts(started)>#<call>`: a day's entries read worst first.
    pub(crate) fn problem_sk(p: &ProblemCall) -> String {
        let (score, started) = p.rank();
        format!("PROBLEM#{}#{score:03}#{}#{}", p.day, ts(started), p.call_id)
    }

    pub(crate) fn claim_sk(k: &str) -> String {
        format!("CLAIM#{k}")
    }

    /// Milliseconds since the epoch, zero-padded so strings sort like instants (to year 33658).
    /// Instants before 1970 sort as the epoch; the store never keeps such times.
    pub(crate) fn ts(t: DateTime<Utc>) -> String {
        format!("{:015}", t.timestamp_millis().max(0))
    }

    fn escape(s: &str) -> String {
        s.replace('%', "%25").replace('#', "%23")
    }
}

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

/// The `ttl` attribute: epoch seconds, for DynamoDB's garbage collection only.
pub(crate) fn ttl(t: DateTime<Utc>) -> AttributeValue {
    n(t.timestamp())
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(crate) fn to_doc(v: &impl Serialize) -> StoreResult<AttributeValue> {
    serde_json::to_string(v)
        .map(AttributeValue::S)
        .map_err(corrupt)
}

/// The entity kept as JSON in `doc` (the same document the SQLite store keeps in `data`).
pub(crate) fn from_doc<T: DeserializeOwned>(item: &Item) -> StoreResult<T> {
    let raw = get_s(item, DOC)?;
    serde_json::from_str(raw).map_err(|e| corrupt(format!("{} {}: {e}", item_name(item), DOC)))
}

fn item_name(item: &Item) -> String {
    let part = |k| match item.get(k) {
        Some(AttributeValue::S(v)) => v.as_str(),
        _ => "?",
    };
    format!("{}/{}", part(PK), part(SK))
}

pub(crate) fn get_s<'a>(item: &'a Item, attr: &str) -> StoreResult<&'a str> {
    match item.get(attr) {
        Some(AttributeValue::S(v)) => Ok(v),
        Some(_) => Err(corrupt(format!(
            "{}: {attr} is not a string",
            item_name(item)
        ))),
        None => Err(corrupt(format!("{}: no {attr}", item_name(item)))),
    }
}

pub(crate) fn opt_s<'a>(item: &'a Item, attr: &str) -> StoreResult<Option<&'a str>> {
    match item.get(attr) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v)),
        Some(_) => Err(corrupt(format!(
            "{}: {attr} is not a string",
            item_name(item)
        ))),
    }
}

pub(crate) fn opt_i64(item: &Item, attr: &str) -> StoreResult<Option<i64>> {
    match item.get(attr) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::N(v)) => v.parse().map(Some).map_err(|_| {
            corrupt(format!(
                "{}: {attr} = {v} is not an integer",
                item_name(item)
            ))
        }),
        Some(_) => Err(corrupt(format!(
            "{}: {attr} is not a number",
            item_name(item)
        ))),
    }
}

pub(crate) fn get_i64(item: &Item, attr: &str) -> StoreResult<i64> {
    opt_i64(item, attr)?.ok_or_else(|| corrupt(format!("{}: no {attr}", item_name(item))))
}

/// A call intent as a map `{kind, at}` in the lease's `intents` list (appended in place).
pub(crate) fn intent_value(i: &Intent) -> StoreResult<AttributeValue> {
    let kind = match serde_json::to_value(i.kind).map_err(corrupt)? {
        serde_json::Value::String(k) => k,
        other => return Err(corrupt(format!("intent kind {other}"))),
    };
    Ok(AttributeValue::M(HashMap::from([
        ("kind".to_string(), s(kind)),
        (
            "at".to_string(),
            s(i.at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        ),
    ])))
}

pub(crate) fn intent_from(v: &AttributeValue) -> StoreResult<Intent> {
    let AttributeValue::M(m) = v else {
        return Err(corrupt("intent is not a map"));
    };
    let kind = get_s(m, "kind")?;
    let kind: IntentKind = serde_json::from_value(serde_json::Value::String(kind.to_string()))
        .map_err(|e| corrupt(format!("intent kind: {e}")))?;
    let at = DateTime::parse_from_rfc3339(get_s(m, "at")?)
        .map_err(|e| corrupt(format!("intent at: {e}")))?
        .with_timezone(&Utc);
    Ok(Intent { kind, at })
}

/// A lease as an item: the document without intents, intents as a list that `add_intent` appends
/// to, and the top-level attributes that `renew_lease` reads and sets in place (`expires_at`,
/// `last_seen_at`: they win over the document's copies on read).
pub(crate) fn lease_item(lease: &Lease) -> StoreResult<Item> {
    let mut doc = lease.clone();
    doc.intents.clear();
    let intents = lease
        .intents
        .iter()
        .map(intent_value)
        .collect::<StoreResult<Vec<_>>>()?;
    let started = key::ts(lease.started_at);
    let mut item = Item::from([
        (PK.into(), s(key::lease_pk(&lease.id))),
        (SK.into(), s(key::LEASE_SK)),
        ("tenant".into(), s(lease.tenant.as_str())),
        ("pool".into(), s(lease.pool.as_str())),
        ("number".into(), s(lease.number.as_str())),
        ("visitor_id".into(), s(lease.visit.visitor_id.as_str())),
        ("started_at".into(), n(ms(lease.started_at))),
        ("expires_at".into(), n(ms(lease.expires_at))),
        ("last_seen_at".into(), n(ms(lease.last_seen_at))),
        ("intents".into(), AttributeValue::L(intents)),
        (DOC.into(), to_doc(&doc)?),
        (
            GSI1PK.into(),
            s(key::leases_by_number_gsi1(&lease.tenant, &lease.number)),
        ),
        (GSI1SK.into(), s(format!("{started}#{}", lease.id))),
        (
            GSI2PK.into(),
            s(key::leases_by_visitor_gsi2(
                &lease.tenant,
                &lease.pool,
                &lease.visit.visitor_id,
            )),
        ),
        (GSI2SK.into(), s(format!("{started}#{}", lease.id))),
    ]);
    if let Some(e) = lease.ended_at {
        item.insert("ended_at".into(), n(ms(e)));
    }
    item.insert(
        TTL.into(),
        ttl(lease.started_at + calltrack::numbers::LEASE_RETENTION),
    );
    Ok(item)
}

pub(crate) fn lease_from(item: &Item) -> StoreResult<Lease> {
    let mut lease: Lease = from_doc(item)?;
    lease.expires_at = from_ms(get_i64(item, "expires_at")?);
    if item.contains_key("last_seen_at") {
        lease.last_seen_at = from_ms(get_i64(item, "last_seen_at")?);
    }
    if let Some(AttributeValue::L(list)) = item.get("intents") {
        lease.intents = list.iter().map(intent_from).collect::<StoreResult<_>>()?;
    }
    Ok(lease)
}

pub(crate) fn slot_from(tenant: &TenantId, pool: &PoolId, item: &Item) -> StoreResult<PoolSlot> {
    Ok(PoolSlot {
        tenant: tenant.clone(),
        pool: pool.clone(),
        number: PhoneNumber::try_from(get_s(item, "number")?.to_string())?,
        available_at: from_ms(get_i64(item, "available_at")?),
        lease_id: opt_s(item, "lease_id")?.map(LeaseId::parse).transpose()?,
        visitor_id: opt_s(item, "visitor_id")?.map(str::to_string),
        displaced_until: match item.get("displaced_until") {
            Some(_) => Some(from_ms(get_i64(item, "displaced_until")?)),
            None => None,
        },
    })
}

pub(crate) fn call_item(call: &Call) -> StoreResult<Item> {
    let started = key::ts(call.started_at);
    let mut item = Item::from([
        (PK.into(), s(key::tenant_pk(&call.tenant))),
        (SK.into(), s(key::call_sk(&call.id))),
        ("version".into(), n(call.version as i64)),
        ("started_at".into(), n(ms(call.started_at))),
        (DOC.into(), to_doc(call)?),
        (GSI1PK.into(), s(key::calls_gsi1(&call.tenant))),
        (GSI1SK.into(), s(format!("{started}#{}", call.id))),
    ]);
    if let Some(c) = &call.caller {
        item.insert("caller".into(), s(c.as_str()));
        item.insert(GSI2PK.into(), s(key::calls_by_caller_gsi2(&call.tenant, c)));
        item.insert(GSI2SK.into(), s(format!("{started}#{}", call.id)));
    }
    if let Some(t) = call.retain_until {
        // The tenant's retention: DynamoDB deletes the call (within days) after this.
        item.insert(TTL.into(), ttl(t));
    }
    Ok(item)
}

pub(crate) fn deal_item(deal: &Deal) -> StoreResult<Item> {
    Ok(Item::from([
        (PK.into(), s(key::tenant_pk(&deal.tenant))),
        (SK.into(), s(key::deal_sk(&deal.id))),
        ("version".into(), n(deal.version as i64)),
        ("day".into(), s(deal.day.to_string())),
        (DOC.into(), to_doc(deal)?),
        (GSI1PK.into(), s(key::deals_gsi1(&deal.tenant))),
        (GSI1SK.into(), s(format!("{}#{}", deal.day, deal.id))),
    ]))
}

pub(crate) fn problem_item(tenant: &TenantId, p: &ProblemCall) -> StoreResult<Item> {
    let mut item = Item::from([
        (PK.into(), s(key::tenant_pk(tenant))),
        (SK.into(), s(key::problem_sk(p))),
        (DOC.into(), to_doc(p)?),
    ]);
    if let Some(t) = p.retain_until {
        item.insert(TTL.into(), ttl(t));
    }
    Ok(item)
}

pub(crate) fn rollup_from(item: &Item) -> StoreResult<Rollup> {
    let day = get_s(item, "day")?;
    let day = day
        .parse()
        .map_err(|e| corrupt(format!("rollup day '{day}': {e}")))?;
    let mut v = [0i64; Counters::N];
    for (slot, field) in v.iter_mut().zip(Counters::FIELDS) {
        *slot = opt_i64(item, field)?.unwrap_or(0);
    }
    Ok(Rollup {
        day,
        group: get_s(item, "channel")?.to_string(),
        counters: Counters::from_values(v),
    })
}

/// A cells item's group and cells: every attribute named like a cell ([`Cell::parse`]) is one,
/// the rest are keys.
pub(crate) fn cells_from(item: &Item) -> StoreResult<(String, Cells)> {
    let mut cells = Cells::default();
    for (name, _) in item.iter() {
        if let Some(cell) = Cell::parse(name) {
            cells.add(cell, opt_i64(item, name)?.unwrap_or(0));
        }
    }
    Ok((get_s(item, "grp")?.to_string(), cells))
}

pub(crate) fn health_from(item: &Item) -> StoreResult<(DateTime<Utc>, PoolHealth)> {
    let c = |f| opt_i64(item, f).map(|v| v.unwrap_or(0));
    Ok((
        from_ms(get_i64(item, "hour")?),
        PoolHealth {
            acquires: c("acquires")?,
            exhaustions: c("exhaustions")?,
            early_reuses: c("early_reuses")?,
            expired: c("expired")?,
        },
    ))
}

/// Expression attribute names `#a0..` and values `:v0..` collected while writing an expression,
/// so no attribute name ever clashes with DynamoDB's reserved words.
#[derive(Default)]
pub(crate) struct Expr {
    pub(crate) names: HashMap<String, String>,
    pub(crate) values: HashMap<String, AttributeValue>,
}

impl Expr {
    /// The placeholder for an attribute name.
    pub(crate) fn name(&mut self, attr: &str) -> String {
        if let Some((k, _)) = self.names.iter().find(|(_, v)| v.as_str() == attr) {
            return k.clone();
        }
        let k = format!("#a{}", self.names.len());
        self.names.insert(k.clone(), attr.to_string());
        k
    }

    /// The placeholder for a value.
    pub(crate) fn value(&mut self, v: AttributeValue) -> String {
        let k = format!(":v{}", self.values.len());
        self.values.insert(k.clone(), v);
        k
    }

    pub(crate) fn names_opt(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub(crate) fn values_opt(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}
