//! The store on DynamoDB: one table, partitioned by tenant, the twin of the SQLite store.
//!
//! This file holds the table's shape and the request helpers every port shares; each port's
//! implementation has its file: [`tenants`], [`numbers`], [`leases`], [`calls`] (with the unit
//! of work), [`deals`], [`reports`]. Items are mapped by hand in [`item`].
//!
//! Every entity keeps its JSON document in `doc` (the same document SQLite keeps in `data`) plus
//! the attributes its keys, indexes and conditions need, mapped by hand. The conformance suite
//! pins the same behaviour on both adapters.
//!
//! # Keys (`pk`, `sk`; GSI1 = `gsi1pk`/`gsi1sk`; GSI2 = `gsi2pk`/`gsi2sk`; both project ALL)
//!
//! | item        | pk               | sk                              | GSI1 pk / sk                                | GSI2 pk / sk                                  |
//! |-------------|------------------|---------------------------------|---------------------------------------------|-----------------------------------------------|
//! | tenant      | `T#<tenant>`     | `TENANT`                        | `TENANTS` / `<tenant>`                      |                                               |
//! | site key    | `SITEKEY#<key>`  | `SITEKEY`                       |                                             |                                               |
//! | number      | `NUM#<e164>`     | `NUM`                           | `T#<tenant>#NUMS` / `<e164>`                |                                               |
//! | pool        | `T#<tenant>`     | `POOL#<pool>`                   |                                             |                                               |
//! | slot        | `T#<tenant>`     | `SLOT#<pool>#<e164>`            | `T#<tenant>#SLOTS#<pool>` / `<ts(available_at)>#<e164>` |                                   |
//! | lease       | `LEASE#<id>`     | `LEASE`                         | `T#<tenant>#LEASES#<e164>` / `<ts(started_at)>#<id>` | `T#<tenant>#VISITOR#<pool>#<visitor>` / `<ts(started_at)>#<id>` |
//! | pool health | `T#<tenant>`     | `HEALTH#<pool>#<ts(hour)>`      |                                             |                                               |
//! | call        | `T#<tenant>`     | `CALL#<call id>`                | `T#<tenant>#CALLS` / `<ts(started_at)>#<id>` | `T#<tenant>#CALLER#<e164>` / `<ts(started_at)>#<id>` (only with a caller) |
//! | deal        | `T#<tenant>`     | `DEAL#<deal id>`                | `T#<tenant>#DEALS` / `<day>#<deal id>`      |                                               |
//! | cost        | `T#<tenant>`     | `COST#<date>#<channel>#<campaign>` (`%`, `#` escaped) |                       |                                               |
//! | rollup      | `T#<tenant>`     | `ROLLUP#<day>#<channel>`, `ROLLUP#<dimension>#<day>#<group>` |                                             |                                               |
//! | cells       | `T#<tenant>`     | `CELLS#<dimension>#<day>#<group>` (one number per sketch cell, `ADD`ed) |                   |                                               |
//! | claim       | `T#<tenant>`     | `CLAIM#<provider:event id>`     |                                             |                                               |
//! | rate bucket | `RL#<tenant>#<key>` | `BUCKET`                     |                                             |                                               |
//!
//! `ts(t)` is epoch milliseconds zero-padded to 15 digits, so strings sort like instants. Claims
//! and rate buckets carry `ttl` (epoch seconds) for garbage collection only: nothing reads it (a
//! bucket's own `expires_at` decides whether it still counts).
//!
//! Other attributes: tenant `site_key`; site key `tenant` + a copy of the tenant's `doc` (one
//! read for the snippet's hot path); number `tenant`, `pool` (pool numbers only); slot `number`,
//! `available_at` (ms), `lease_id`; lease `tenant`, `pool`, `number`, `visitor_id`, `started_at`,
//! `expires_at`, `last_seen_at`, `ended_at` (ms), `intents` (list of `{kind, at}`, appended in place); call
//! `version`, `started_at`, `caller`; deal `version`, `day`; rollup `day`, `channel` and one number
//! per counter (`ADD`ed); pool health `hour` and its four counters.
//!
//! # Atomic units (TransactWriteItems; one request each)
//! - `take_slot`: slot CAS (`available_at` and `lease_id` as read) + lease put (new id) + rollups.
//! - `commit`: claim put (`attribute_not_exists`, item 0: its failure is `Duplicate`) + call puts
//!   conditioned on `version` (or absence) + deal put likewise + rollup `ADD`s, merged per
//!   (day, channel) because a transaction may touch an item only once. Any other failed
//!   condition is `Conflict`.
//! - `renew_lease`: lease update of `expires_at` + `last_seen_at` only (exists, unended,
//!   `expires_at > now`) + slot update (`lease_id`).
//! - `put_number`: number put (owner and pool as read) + old slot delete + slot create-if-absent.
//! - `put_tenant`: tenant put (site key as read) + site key put (free or ours) + old key delete.
//!
//! Transactions cancelled only by `TransactionConflict` (another transaction in flight on an
//! item) are retried a few times; throttling and transport errors (after the SDK's own retries)
//! are `Unavailable`.

mod calls;
mod deals;
mod item;
mod leases;
mod numbers;
mod reports;
mod table;
mod tenants;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConsumedCapacity, Delete, Put, ReturnConsumedCapacity, TransactWriteItem,
    Update,
};
use aws_sdk_dynamodb::Client;
use calltrack::model::*;
use calltrack::ports::*;
use chrono::{DateTime, NaiveDate, Utc};

use crate::counter::RequestCounter;
use item::*;
pub use table::TABLE_DEFINITION;

const GSI1: &str = "GSI1";
const GSI2: &str = "GSI2";
const CCF: &str = "ConditionalCheckFailed";
/// DynamoDB's limit of actions in one transaction (the domain keeps commits under it).
const MAX_TX_ITEMS: usize = MAX_COMMIT_ACTIONS;
/// Attempts for a transaction cancelled only by concurrent transactions on its items.
const TX_ATTEMPTS: u32 = 4;
/// Attempts for read-then-write operations whose read went stale (`put_number`, `put_tenant`).
const RMW_ATTEMPTS: u32 = 3;

pub(crate) fn unavailable<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(DisplayErrorContext(&e).to_string())
}

fn is_condition_failed<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error().and_then(|s| s.code()) == Some("ConditionalCheckFailedException")
}

fn build_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("building a DynamoDB request: {e}"))
}

/// How a transaction ended when it did not fail outright.
enum Tx {
    Committed,
    /// Cancelled by a failed condition: one reason code per item (`None` for items that passed).
    Cancelled(Vec<String>),
}

impl Tx {
    fn failed_at(codes: &[String], i: usize) -> bool {
        codes.get(i).is_some_and(|c| c == CCF)
    }
}

/// The DynamoDB store. Cheap to share: the SDK client is a handle.
pub struct DynamoStore {
    client: Client,
    table: String,
    requests: RequestCounter,
    /// Write capacity units consumed, in thousandths (DynamoDB reports halves and more).
    write_milliunits: AtomicU64,
    /// Seals tenant secrets at rest; without one, a tenant with secrets is not written.
    sealer: Option<Arc<dyn calltrack::secrets::Sealer>>,
}

impl DynamoStore {
    /// The store on `table` (Lambdas read its name from `TABLE_NAME`).
    pub fn from_env(config: &aws_config::SdkConfig, table: String) -> Self {
        let requests = RequestCounter::default();
        let conf = aws_sdk_dynamodb::config::Builder::from(config)
            .interceptor(requests.clone())
            .build();
        Self {
            client: Client::from_conf(conf),
            table,
            requests,
            write_milliunits: AtomicU64::new(0),
            sealer: None,
        }
    }

    /// The store sealing tenant secrets with `sealer` (on AWS the stack's KMS key).
    pub fn with_sealer(mut self, sealer: Arc<dyn calltrack::secrets::Sealer>) -> Self {
        self.sealer = Some(sealer);
        self
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table (as in `infra/dynamodb-table.json`) if it does not exist: for tests and
    /// local setups; in AWS the SAM template owns the table.
    pub async fn create_table(&self) -> StoreResult<()> {
        table::create_table(&self.client, &self.table).await
    }

    /// Requests and capacity units per DynamoDB operation since the store was built, the units
    /// worked out from each request and answer by DynamoDB's rules (see BENCHMARKS.md, costs).
    pub fn usage(&self) -> std::collections::BTreeMap<String, crate::OpUsage> {
        self.requests.usage()
    }

    /// Write capacity units consumed so far, as DynamoDB reported them.
    pub fn write_units(&self) -> f64 {
        self.write_milliunits.load(Ordering::Relaxed) as f64 / 1000.0
    }

    /// True when the table holds no tenant (the demo refuses a used store).
    pub async fn is_empty(&self) -> StoreResult<bool> {
        let mut e = Expr::default();
        let cond = format!("{} = {}", e.name(GSI1PK), e.value(s(key::TENANTS_GSI1)));
        Ok(self
            .query(Some(GSI1), &cond, e, true, Some(1))
            .await?
            .is_empty())
    }

    fn count_units<'a>(&self, consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        let units: f64 = consumed
            .into_iter()
            .filter_map(|c| c.capacity_units())
            .sum();
        self.write_milliunits
            .fetch_add((units * 1000.0).round() as u64, Ordering::Relaxed);
    }

    async fn get(&self, pk: String, sk: &str) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// A query, every page (or the first `limit` items). Strongly consistent on the table;
    /// indexes are eventually consistent, which the conditions of the writes make safe.
    async fn query(
        &self,
        index: Option<&str>,
        key_condition: &str,
        e: Expr,
        forward: bool,
        limit: Option<usize>,
    ) -> StoreResult<Vec<Item>> {
        if limit == Some(0) {
            return Ok(vec![]);
        }
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let want = limit.map(|l| (l - out.len()).min(i32::MAX as usize) as i32);
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_string))
                .consistent_read(index.is_none())
                .key_condition_expression(key_condition)
                .set_expression_attribute_names(e.names_opt())
                .set_expression_attribute_values(e.values_opt())
                .scan_index_forward(forward)
                .set_limit(want)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() && limit.is_none_or(|l| out.len() < l) => start = Some(k),
                _ => return Ok(out),
            }
        }
    }

    /// All items of one index partition, in sort-key order.
    async fn query_partition(
        &self,
        index: &str,
        pk_attr: &str,
        pk: String,
    ) -> StoreResult<Vec<Item>> {
        let mut e = Expr::default();
        let cond = format!("{} = {}", e.name(pk_attr), e.value(s(pk)));
        self.query(Some(index), &cond, e, true, None).await
    }

    /// Items of one partition with `lo <= sort key <= hi` (empty when `lo > hi`).
    async fn query_between(
        &self,
        index: Option<&str>,
        (pk_attr, sk_attr): (&str, &str),
        pk: String,
        lo: String,
        hi: String,
    ) -> StoreResult<Vec<Item>> {
        if lo > hi {
            return Ok(vec![]);
        }
        let mut e = Expr::default();
        let cond = format!(
            "{} = {} AND {} BETWEEN {} AND {}",
            e.name(pk_attr),
            e.value(s(pk)),
            e.name(sk_attr),
            e.value(s(lo)),
            e.value(s(hi))
        );
        self.query(index, &cond, e, true, None).await
    }

    /// A single conditional put: false when the condition failed.
    async fn put_if(&self, item: Item, condition: Option<&str>, e: Expr) -> StoreResult<bool> {
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_string))
            .set_expression_attribute_names(e.names_opt())
            .set_expression_attribute_values(e.values_opt())
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match r {
            Ok(out) => {
                self.count_units(out.consumed_capacity());
                Ok(true)
            }
            Err(err) if is_condition_failed(&err) => Ok(false),
            Err(err) => Err(unavailable(err)),
        }
    }

    /// A single update: false when the condition failed.
    async fn update_if(
        &self,
        pk: String,
        sk: String,
        update: &str,
        condition: Option<&str>,
        e: Expr,
    ) -> StoreResult<bool> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(update)
            .set_condition_expression(condition.map(str::to_string))
            .set_expression_attribute_names(e.names_opt())
            .set_expression_attribute_values(e.values_opt())
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match r {
            Ok(out) => {
                self.count_units(out.consumed_capacity());
                Ok(true)
            }
            Err(err) if is_condition_failed(&err) => Ok(false),
            Err(err) => Err(unavailable(err)),
        }
    }

    fn tx_put(
        &self,
        item: Item,
        condition: Option<&str>,
        e: Expr,
    ) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_string))
            .set_expression_attribute_names(e.names_opt())
            .set_expression_attribute_values(e.values_opt())
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn tx_update(
        &self,
        pk: String,
        sk: String,
        update: &str,
        condition: Option<&str>,
        e: Expr,
    ) -> StoreResult<TransactWriteItem> {
        let u = Update::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(update)
            .set_condition_expression(condition.map(str::to_string))
            .set_expression_attribute_names(e.names_opt())
            .set_expression_attribute_values(e.values_opt())
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(u).build())
    }

    fn tx_delete(
        &self,
        pk: String,
        sk: String,
        condition: Option<&str>,
        e: Expr,
    ) -> StoreResult<TransactWriteItem> {
        let d = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .set_condition_expression(condition.map(str::to_string))
            .set_expression_attribute_names(e.names_opt())
            .set_expression_attribute_values(e.values_opt())
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().delete(d).build())
    }

    /// Runs one transaction. A cancellation by failed conditions is an answer (`Cancelled` with
    /// the reason per item); one caused only by concurrent transactions is retried.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> StoreResult<Tx> {
        if items.len() > MAX_TX_ITEMS {
            return Err(StoreError::Invalid(Invalid::new(
                "commit",
                format!(
                    "{} writes in one unit of work; DynamoDB allows {MAX_TX_ITEMS}",
                    items.len()
                ),
            )));
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let r = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            let err = match r {
                Ok(out) => {
                    self.count_units(out.consumed_capacity());
                    return Ok(Tx::Committed);
                }
                Err(err) => err,
            };
            if let Some(TransactWriteItemsError::TransactionCanceledException(c)) =
                err.as_service_error()
            {
                let codes = cancellation_codes(c);
                if codes.iter().any(|c| c == CCF) {
                    return Ok(Tx::Cancelled(codes));
                }
                let only_conflicts = codes
                    .iter()
                    .all(|c| c == "None" || c == "TransactionConflict");
                if only_conflicts && attempt < TX_ATTEMPTS {
                    tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(attempt)))
                        .await;
                    continue;
                }
            }
            return Err(unavailable(err));
        }
    }

    fn rollup_updates(
        &self,
        tenant: &TenantId,
        deltas: &[RollupDelta],
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let mut items = vec![];
        for (d, counted) in merge_rollups(deltas) {
            if counted {
                // Only the counters that move: a zero ADD changes nothing but the request's size.
                let adds = Counters::FIELDS
                    .iter()
                    .map(|f| f.to_string())
                    .zip(d.counters.values())
                    .filter(|(_, v)| *v != 0);
                let sk = key::rollup_sk(d.dimension, d.day, &d.group);
                items.push(self.add_update(tenant, sk, &d, "channel", adds)?);
            }
            if !d.cells.is_empty() {
                let adds = d.cells.iter().map(|(cell, v)| (cell.key(), v));
                let sk = key::cells_sk(d.dimension, d.day, &d.group);
                items.push(self.add_update(tenant, sk, &d, "grp", adds)?);
            }
        }
        Ok(items)
    }

    /// One rollup item's update: its day and group set, each named number `ADD`ed (none: the
    /// item is only made to exist, as a merged delta that sums to zero does in SQLite).
    fn add_update(
        &self,
        tenant: &TenantId,
        sk: String,
        d: &RollupDelta,
        group_attr: &str,
        adds: impl Iterator<Item = (String, i64)>,
    ) -> StoreResult<TransactWriteItem> {
        let mut e = Expr::default();
        let adds: Vec<String> = adds
            .map(|(name, v)| format!("{} {}", e.name(&name), e.value(n(v))))
            .collect();
        let mut update = format!(
            "SET {} = {}, {} = {}",
            e.name("day"),
            e.value(s(d.day.to_string())),
            e.name(group_attr),
            e.value(s(d.group.as_str())),
        );
        if !adds.is_empty() {
            update.push_str(&format!(" ADD {}", adds.join(", ")));
        }
        self.tx_update(key::tenant_pk(tenant), sk, &update, None, e)
    }

    fn claim_put(
        &self,
        tenant: &TenantId,
        k: &str,
        expires_at: DateTime<Utc>,
    ) -> (Item, String, Expr) {
        let item = Item::from([
            (PK.into(), s(key::tenant_pk(tenant))),
            (SK.into(), s(key::claim_sk(k))),
            ("expires_at".into(), n(ms(expires_at))),
            (TTL.into(), ttl(expires_at)),
        ]);
        let mut e = Expr::default();
        let cond = format!("attribute_not_exists({})", e.name(PK));
        (item, cond, e)
    }

    fn tenant_item(tenant: &Tenant) -> StoreResult<Item> {
        let mut item = Item::from([
            (PK.into(), s(key::tenant_pk(&tenant.id))),
            (SK.into(), s(key::TENANT_SK)),
            (DOC.into(), to_doc(tenant)?),
            (GSI1PK.into(), s(key::TENANTS_GSI1)),
            (GSI1SK.into(), s(tenant.id.as_str())),
        ]);
        if let Some(k) = &tenant.site_key {
            item.insert("site_key".into(), s(k.as_str()));
        }
        Ok(item)
    }

    /// Slots free at `now` (`available_at <= now`), from the slots index: what `close_expired`
    /// walks.
    async fn slots_free_at(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<PoolSlot>> {
        let mut e = Expr::default();
        // `$` sorts right after `#`: every `<ts(now)>#<number>` is below the bound.
        let cond = format!(
            "{} = {} AND {} <= {}",
            e.name(GSI1PK),
            e.value(s(key::slots_gsi1(tenant, pool))),
            e.name(GSI1SK),
            e.value(s(format!("{}$", key::ts(now))))
        );
        let items = self.query(Some(GSI1), &cond, e, true, None).await?;
        items.iter().map(|i| slot_from(tenant, pool, i)).collect()
    }
}

/// The reason per item of a cancelled transaction; from the message when the service sent no
/// list (the message reads `... reasons [None, ConditionalCheckFailed]`).
fn cancellation_codes(
    c: &aws_sdk_dynamodb::types::error::TransactionCanceledException,
) -> Vec<String> {
    let codes: Vec<String> = c
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or("None").to_string())
        .collect();
    if !codes.is_empty() {
        return codes;
    }
    let msg = c.message().unwrap_or_default();
    match (msg.rfind('['), msg.rfind(']')) {
        (Some(a), Some(b)) if a < b => msg[a + 1..b]
            .split(',')
            .map(|s| s.trim().to_string())
            .collect(),
        _ => vec![],
    }
}

/// One delta per (day, dimension, group): a transaction may not touch the same item twice. Each
/// comes with whether its counters item is written: deltas whose counters are zero do not write
/// it (as SQLite does), a merged delta whose counters sum to zero still does, so the row exists
/// exactly when SQLite's would. Its cells item is written when the merged cells are not empty.
fn merge_rollups(deltas: &[RollupDelta]) -> Vec<(RollupDelta, bool)> {
    let mut out: Vec<(RollupDelta, bool)> = Vec::new();
    for d in deltas.iter().filter(|d| !d.is_zero()) {
        let counted = !d.counters.is_zero();
        match out
            .iter_mut()
            .find(|(o, _)| o.day == d.day && o.dimension == d.dimension && o.group == d.group)
        {
            Some((o, c)) => {
                o.counters.add(&d.counters);
                o.cells.merge(&d.cells);
                *c |= counted;
            }
            None => out.push((d.clone(), counted)),
        }
    }
    out
}

fn docs<T: serde::de::DeserializeOwned>(items: &[Item]) -> StoreResult<Vec<T>> {
    items.iter().map(from_doc).collect()
}

impl Store for DynamoStore {
    fn request_count(&self) -> u64 {
        self.requests.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(day: u32, channel: &str, calls: i64) -> RollupDelta {
        RollupDelta {
            day: NaiveDate::from_ymd_opt(2025, 1, day).unwrap(),
            dimension: Dimension::Channel,
            group: channel.into(),
            counters: Counters {
                calls,
                ..Default::default()
            },
            cells: Cells::default(),
        }
    }

    #[test]
    fn rollup_deltas_for_one_row_merge_into_one_write() {
        let merged = merge_rollups(&[
            delta(1, "a", 1),
            delta(1, "b", 1),
            delta(1, "a", 2),
            delta(2, "a", 0),
        ]);
        assert_eq!(
            merged,
            vec![(delta(1, "a", 3), true), (delta(1, "b", 1), true)]
        );
    }

    #[test]
    fn deltas_that_cancel_still_write_their_row() {
        assert_eq!(
            merge_rollups(&[delta(1, "a", 1), delta(1, "a", -1)]),
            vec![(delta(1, "a", 0), true)]
        );
    }

    #[test]
    fn a_delta_of_cells_alone_writes_only_its_cells_item_and_cells_merge_per_row() {
        let cell = Cell::Return { minutes: 4 };
        let mut only_cells = delta(1, "a", 0);
        only_cells.cells.add(cell, 1);
        let mut with_calls = delta(1, "a", 1);
        with_calls.cells.add(cell, 2);
        assert_eq!(
            merge_rollups(std::slice::from_ref(&only_cells)),
            vec![(only_cells.clone(), false)]
        );
        let merged = merge_rollups(&[only_cells, with_calls]);
        assert_eq!(merged.len(), 1);
        assert!(merged[0].1);
        assert_eq!(merged[0].0.cells.iter().collect::<Vec<_>>(), [(cell, 3)]);
    }

    #[test]
    fn sort_keys_order_like_the_sqlite_columns() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::milliseconds(999);
        let t1 = t0 + chrono::Duration::milliseconds(1);
        assert!(key::ts(t0) < key::ts(t1));
        assert_eq!(key::ts(t1).len(), 15);
        let d = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let ch = Dimension::Channel;
        assert!(key::rollup_sk(ch, d, "a") < key::rollup_sk(ch, d, "ab"));
        assert!(key::rollup_sk(ch, d, "zzz") < format!("ROLLUP#{d}$"));
        // A dimension's rows sort apart from the channel's, so each reads as one range.
        let campaign = key::rollup_sk(Dimension::Campaign, d, "a");
        assert!(!(format!("ROLLUP#{d}#")..format!("ROLLUP#{d}$")).contains(&campaign));
        assert!(
            key::rollup_sk(Dimension::Campaign, d, "zzz")
                < key::rollup_sk(Dimension::Keyword, d, "")
        );
        assert_ne!(key::cost_sk(d, "a#b", "c"), key::cost_sk(d, "a", "b#c"));
    }
}
