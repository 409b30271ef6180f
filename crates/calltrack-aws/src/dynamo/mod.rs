//! The store on DynamoDB: one table, partitioned by tenant, the twin of the SQLite store.
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
//! | rollup      | `T#<tenant>`     | `ROLLUP#<day>#<channel>`        |                                             |                                               |
//! | claim       | `T#<tenant>`     | `CLAIM#<provider:event id>`     |                                             |                                               |
//!
//! `ts(t)` is epoch milliseconds zero-padded to 15 digits, so strings sort like instants. Claims
//! carry `ttl` (epoch seconds) for garbage collection only: nothing reads it.
//!
//! Other attributes: tenant `site_key`; site key `tenant` + a copy of the tenant's `doc` (one
//! read for the snippet's hot path); number `tenant`, `pool` (pool numbers only); slot `number`,
//! `available_at` (ms), `lease_id`; lease `tenant`, `pool`, `number`, `visitor_id`, `started_at`,
//! `expires_at`, `ended_at` (ms), `intents` (list of `{kind, at}`, appended in place); call
//! `version`, `started_at`, `caller`; deal `version`, `day`; rollup `day`, `channel` and one number
//! per counter (`ADD`ed); pool health `hour` and its four counters.
//!
//! # Atomic units (TransactWriteItems; one request each)
//! - `take_slot`: slot CAS (`available_at` and `lease_id` as read) + lease put (new id) + rollups.
//! - `commit`: claim put (`attribute_not_exists`, item 0: its failure is `Duplicate`) + call puts
//!   conditioned on `version` (or absence) + deal put likewise + rollup `ADD`s, merged per
//!   (day, channel) because a transaction may touch an item only once. Any other failed
//!   condition is `Conflict`.
//! - `renew_lease`: lease put (exists, unended, `expires_at > now`) + slot update (`lease_id`).
//! - `put_number`: number put (owner and pool as read) + old slot delete + slot create-if-absent.
//! - `put_tenant`: tenant put (site key as read) + site key put (free or ours) + old key delete.
//!
//! Transactions cancelled only by `TransactionConflict` (another transaction in flight on an
//! item) are retried a few times; throttling and transport errors (after the SDK's own retries)
//! are `Unavailable`.

mod item;
mod table;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

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
/// DynamoDB's limit of actions in one transaction.
const MAX_TX_ITEMS: usize = 100;
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
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table (as in `infra/dynamodb-table.json`) if it does not exist: for tests and
    /// local setups; in AWS the SAM template owns the table.
    pub async fn create_table(&self) -> StoreResult<()> {
        table::create_table(&self.client, &self.table).await
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
        merge_rollups(deltas)
            .iter()
            .map(|d| {
                let mut e = Expr::default();
                let mut adds = Vec::new();
                for (field, v) in Counters::FIELDS.iter().zip(d.counters.values()) {
                    adds.push(format!("{} {}", e.name(field), e.value(n(v))));
                }
                let update = format!(
                    "SET {} = {}, {} = {} ADD {}",
                    e.name("day"),
                    e.value(s(d.day.to_string())),
                    e.name("channel"),
                    e.value(s(d.channel.as_str())),
                    adds.join(", ")
                );
                self.tx_update(
                    key::tenant_pk(tenant),
                    key::rollup_sk(d.day, &d.channel),
                    &update,
                    None,
                    e,
                )
            })
            .collect()
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

/// One delta per (day, channel): a transaction may not touch the same rollup item twice. Deltas
/// that are zero are dropped (as SQLite does); a merged delta that sums to zero is still written,
/// so the row exists exactly when SQLite's would.
fn merge_rollups(deltas: &[RollupDelta]) -> Vec<RollupDelta> {
    let mut out: Vec<RollupDelta> = Vec::new();
    for d in deltas.iter().filter(|d| !d.counters.is_zero()) {
        match out
            .iter_mut()
            .find(|o| o.day == d.day && o.channel == d.channel)
        {
            Some(o) => o.counters.add(&d.counters),
            None => out.push(d.clone()),
        }
    }
    out
}

fn docs<T: serde::de::DeserializeOwned>(items: &[Item]) -> StoreResult<Vec<T>> {
    items.iter().map(from_doc).collect()
}

#[async_trait]
impl Store for DynamoStore {
    async fn put_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        tenant.validate()?;
        for _ in 0..RMW_ATTEMPTS {
            let old = self.get(key::tenant_pk(&tenant.id), key::TENANT_SK).await?;
            let old_key = old
                .as_ref()
                .map(|i| opt_s(i, "site_key"))
                .transpose()?
                .flatten()
                .map(str::to_string);

            let mut items = Vec::new();
            let mut e = Expr::default();
            let cond = match (&old, &old_key) {
                (None, _) => format!("attribute_not_exists({})", e.name(PK)),
                (Some(_), Some(k)) => {
                    format!("{} = {}", e.name("site_key"), e.value(s(k.as_str())))
                }
                (Some(_), None) => format!("attribute_not_exists({})", e.name("site_key")),
            };
            items.push(self.tx_put(Self::tenant_item(tenant)?, Some(&cond), e)?);

            let mut site_key_at = None;
            if let Some(k) = &tenant.site_key {
                let item = Item::from([
                    (PK.into(), s(key::site_key_pk(k))),
                    (SK.into(), s(key::SITE_KEY_SK)),
                    ("tenant".into(), s(tenant.id.as_str())),
                    (DOC.into(), to_doc(tenant)?),
                ]);
                let mut e = Expr::default();
                let cond = format!(
                    "attribute_not_exists({}) OR {} = {}",
                    e.name(PK),
                    e.name("tenant"),
                    e.value(s(tenant.id.as_str()))
                );
                site_key_at = Some(items.len());
                items.push(self.tx_put(item, Some(&cond), e)?);
            }
            if let Some(old) = old_key.filter(|o| Some(o) != tenant.site_key.as_ref()) {
                let mut e = Expr::default();
                let cond = format!("{} = {}", e.name("tenant"), e.value(s(tenant.id.as_str())));
                items.push(self.tx_delete(
                    key::site_key_pk(&old),
                    key::SITE_KEY_SK.into(),
                    Some(&cond),
                    e,
                )?);
            }
            match self.transact(items).await? {
                Tx::Committed => return Ok(()),
                Tx::Cancelled(codes) if site_key_at.is_some_and(|i| Tx::failed_at(&codes, i)) => {
                    return Err(StoreError::Conflict(
                        "site key already used by another tenant".into(),
                    ));
                }
                // The tenant changed between the read and the write: read again.
                Tx::Cancelled(_) => continue,
            }
        }
        Err(StoreError::Unavailable(format!(
            "tenant {} keeps changing; try again",
            tenant.id
        )))
    }

    async fn get_tenant(&self, id: &TenantId) -> StoreResult<Option<Tenant>> {
        self.get(key::tenant_pk(id), key::TENANT_SK)
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn tenant_by_site_key(&self, site_key: &str) -> StoreResult<Option<Tenant>> {
        self.get(key::site_key_pk(site_key), key::SITE_KEY_SK)
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        docs(
            &self
                .query_partition(GSI1, GSI1PK, key::TENANTS_GSI1.into())
                .await?,
        )
    }

    async fn put_number(&self, number: &TrackingNumber) -> StoreResult<()> {
        let new_pool = match &number.kind {
            NumberKind::Pool { pool } => Some(pool),
            NumberKind::Static { .. } => None,
        };
        for _ in 0..RMW_ATTEMPTS {
            let old = self
                .get(key::number_pk(&number.number), key::NUMBER_SK)
                .await?;
            let mut e = Expr::default();
            let (cond, old_pool) = match &old {
                None => (format!("attribute_not_exists({})", e.name(PK)), None),
                Some(item) => {
                    if get_s(item, "tenant")? != number.tenant.as_str() {
                        return Err(StoreError::Conflict(format!(
                            "number {} belongs to another tenant",
                            number.number.masked()
                        )));
                    }
                    let owner = format!(
                        "{} = {}",
                        e.name("tenant"),
                        e.value(s(number.tenant.as_str()))
                    );
                    match opt_s(item, "pool")? {
                        Some(p) => {
                            let c = format!("{owner} AND {} = {}", e.name("pool"), e.value(s(p)));
                            (c, Some(PoolId::parse(p)?))
                        }
                        None => (
                            format!("{owner} AND attribute_not_exists({})", e.name("pool")),
                            None,
                        ),
                    }
                }
            };
            let mut item = Item::from([
                (PK.into(), s(key::number_pk(&number.number))),
                (SK.into(), s(key::NUMBER_SK)),
                ("tenant".into(), s(number.tenant.as_str())),
                (DOC.into(), to_doc(number)?),
                (GSI1PK.into(), s(key::numbers_gsi1(&number.tenant))),
                (GSI1SK.into(), s(number.number.as_str())),
            ]);
            if let Some(p) = new_pool {
                item.insert("pool".into(), s(p.as_str()));
            }
            let mut items = vec![self.tx_put(item, Some(&cond), e)?];
            // A number moved out of a pool (or to another pool) leaves its old slot behind.
            if let Some(old_pool) = old_pool.filter(|o| Some(o) != new_pool) {
                let sk = key::slot_sk(&old_pool, &number.number);
                items.push(self.tx_delete(
                    key::tenant_pk(&number.tenant),
                    sk,
                    None,
                    Expr::default(),
                )?);
            }
            if let Some(pool) = new_pool {
                let mut e = Expr::default();
                let epoch = DateTime::<Utc>::UNIX_EPOCH;
                let update = format!(
                    "SET {} = {}, {} = if_not_exists({}, {}), {} = {}, {} = if_not_exists({}, {})",
                    e.name("number"),
                    e.value(s(number.number.as_str())),
                    e.name("available_at"),
                    e.name("available_at"),
                    e.value(n(0)),
                    e.name(GSI1PK),
                    e.value(s(key::slots_gsi1(&number.tenant, pool))),
                    e.name(GSI1SK),
                    e.name(GSI1SK),
                    e.value(s(key::slot_gsi1sk(epoch, &number.number))),
                );
                let sk = key::slot_sk(pool, &number.number);
                items.push(self.tx_update(key::tenant_pk(&number.tenant), sk, &update, None, e)?);
            }
            match self.transact(items).await? {
                Tx::Committed => return Ok(()),
                // Owner or pool changed since the read: read again (another owner is a Conflict).
                Tx::Cancelled(_) => continue,
            }
        }
        Err(StoreError::Unavailable(format!(
            "number {} keeps changing; try again",
            number.number.masked()
        )))
    }

    async fn get_number(&self, number: &PhoneNumber) -> StoreResult<Option<TrackingNumber>> {
        self.get(key::number_pk(number), key::NUMBER_SK)
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn list_numbers(&self, tenant: &TenantId) -> StoreResult<Vec<TrackingNumber>> {
        docs(
            &self
                .query_partition(GSI1, GSI1PK, key::numbers_gsi1(tenant))
                .await?,
        )
    }

    async fn put_pool(&self, pool: &Pool) -> StoreResult<()> {
        let item = Item::from([
            (PK.into(), s(key::tenant_pk(&pool.tenant))),
            (SK.into(), s(key::pool_sk(&pool.id))),
            (DOC.into(), to_doc(pool)?),
        ]);
        self.put_if(item, None, Expr::default()).await.map(|_| ())
    }

    async fn get_pool(&self, tenant: &TenantId, pool: &PoolId) -> StoreResult<Option<Pool>> {
        self.get(key::tenant_pk(tenant), &key::pool_sk(pool))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn list_pools(&self, tenant: &TenantId) -> StoreResult<Vec<Pool>> {
        let mut e = Expr::default();
        let cond = format!(
            "{} = {} AND begins_with({}, {})",
            e.name(PK),
            e.value(s(key::tenant_pk(tenant))),
            e.name(SK),
            e.value(s(key::POOL_PREFIX))
        );
        docs(&self.query(None, &cond, e, true, None).await?)
    }

    async fn free_slots(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        now: DateTime<Utc>,
        limit: usize,
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
        let items = self.query(Some(GSI1), &cond, e, true, Some(limit)).await?;
        items.iter().map(|i| slot_from(tenant, pool, i)).collect()
    }

    async fn all_slots(&self, tenant: &TenantId, pool: &PoolId) -> StoreResult<Vec<PoolSlot>> {
        let items = self
            .query_partition(GSI1, GSI1PK, key::slots_gsi1(tenant, pool))
            .await?;
        items.iter().map(|i| slot_from(tenant, pool, i)).collect()
    }

    async fn take_slot(&self, take: &TakeSlot) -> StoreResult<bool> {
        let slot = &take.slot;
        let lease = &take.lease;
        let mut e = Expr::default();
        let mut update = format!(
            "SET {} = {}, {} = {}, {} = {}, {} = {}",
            e.name("available_at"),
            e.value(n(ms(lease.expires_at))),
            e.name("lease_id"),
            e.value(s(lease.id.as_str())),
            e.name("visitor_id"),
            e.value(s(lease.visit.visitor_id.as_str())),
            e.name(GSI1SK),
            e.value(s(key::slot_gsi1sk(lease.expires_at, &slot.number)))
        );
        if let Some(d) = take.displaced_until {
            update.push_str(&format!(
                ", {} = {}",
                e.name("displaced_until"),
                e.value(n(ms(d)))
            ));
        }
        let same_lease = match &slot.lease_id {
            Some(l) => format!("{} = {}", e.name("lease_id"), e.value(s(l.as_str()))),
            None => format!("attribute_not_exists({})", e.name("lease_id")),
        };
        let cond = format!(
            "{} = {} AND {same_lease}",
            e.name("available_at"),
            e.value(n(ms(slot.available_at)))
        );
        let sk = key::slot_sk(&slot.pool, &slot.number);
        let mut items =
            vec![self.tx_update(key::tenant_pk(&slot.tenant), sk, &update, Some(&cond), e)?];

        let mut e = Expr::default();
        let cond = format!("attribute_not_exists({})", e.name(PK));
        items.push(self.tx_put(lease_item(lease)?, Some(&cond), e)?);
        items.extend(self.rollup_updates(&lease.tenant, &take.rollups)?);
        match self.transact(items).await? {
            Tx::Committed => Ok(true),
            Tx::Cancelled(codes) if Tx::failed_at(&codes, 0) => Ok(false),
            Tx::Cancelled(_) => Err(StoreError::Conflict(format!(
                "lease {} already exists",
                lease.id
            ))),
        }
    }

    async fn get_lease(&self, id: &LeaseId) -> StoreResult<Option<Lease>> {
        self.get(key::lease_pk(id), key::LEASE_SK)
            .await?
            .map(|i| lease_from(&i))
            .transpose()
    }

    async fn lease_for_visitor(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        visitor_id: &str,
    ) -> StoreResult<Option<Lease>> {
        let mut e = Expr::default();
        let cond = format!(
            "{} = {}",
            e.name(GSI2PK),
            e.value(s(key::leases_by_visitor_gsi2(tenant, pool, visitor_id)))
        );
        let items = self.query(Some(GSI2), &cond, e, false, Some(1)).await?;
        items.first().map(lease_from).transpose()
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        now: DateTime<Utc>,
        holds_slot: bool,
    ) -> StoreResult<bool> {
        let mut e = Expr::default();
        let cond = format!(
            "attribute_exists({}) AND attribute_not_exists({}) AND {} > {}",
            e.name(PK),
            e.name("ended_at"),
            e.name("expires_at"),
            e.value(n(ms(now)))
        );
        let mut items = vec![self.tx_put(lease_item(lease)?, Some(&cond), e)?];
        if holds_slot {
            let mut e = Expr::default();
            let update = format!(
                "SET {} = {}, {} = {}",
                e.name("available_at"),
                e.value(n(ms(lease.expires_at))),
                e.name(GSI1SK),
                e.value(s(key::slot_gsi1sk(lease.expires_at, &lease.number)))
            );
            let cond = format!("{} = {}", e.name("lease_id"), e.value(s(lease.id.as_str())));
            let sk = key::slot_sk(&lease.pool, &lease.number);
            items.push(self.tx_update(
                key::tenant_pk(&lease.tenant),
                sk,
                &update,
                Some(&cond),
                e,
            )?);
        }
        Ok(matches!(self.transact(items).await?, Tx::Committed))
    }

    async fn add_intent(&self, id: &LeaseId, intent: &Intent) -> StoreResult<bool> {
        let mut e = Expr::default();
        let update = format!(
            "SET {i} = list_append(if_not_exists({i}, {}), {})",
            e.value(AttributeValue::L(vec![])),
            e.value(AttributeValue::L(vec![intent_value(intent)?])),
            i = e.name("intents"),
        );
        let cond = format!("attribute_exists({})", e.name(PK));
        self.update_if(
            key::lease_pk(id),
            key::LEASE_SK.into(),
            &update,
            Some(&cond),
            e,
        )
        .await
    }

    async fn leases_for_number(
        &self,
        tenant: &TenantId,
        number: &PhoneNumber,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Lease>> {
        // Leases start at most one maximum session before they end; 2 days bounds any pool's.
        let earliest = from - chrono::Duration::days(2);
        let items = self
            .query_between(
                Some(GSI1),
                (GSI1PK, GSI1SK),
                key::leases_by_number_gsi1(tenant, number),
                key::ts(earliest),
                format!("{}$", key::ts(to)),
            )
            .await?;
        let all = items
            .iter()
            .map(lease_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(all.into_iter().filter(|l| l.end() >= from).collect())
    }

    async fn close_expired(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        now: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let expired = self.free_slots(tenant, pool, now, usize::MAX).await?;
        let mut closed = 0;
        for slot in expired.iter().filter(|s| s.lease_id.is_some()) {
            let mut e = Expr::default();
            let update = format!("REMOVE {}, {}", e.name("lease_id"), e.name("visitor_id"));
            // As read or not: the condition is the rule itself, so a concurrent take survives.
            let cond = format!(
                "attribute_exists({}) AND {} <= {}",
                e.name("lease_id"),
                e.name("available_at"),
                e.value(n(ms(now)))
            );
            let sk = key::slot_sk(pool, &slot.number);
            if self
                .update_if(key::tenant_pk(tenant), sk, &update, Some(&cond), e)
                .await?
            {
                closed += 1;
            }
        }
        Ok(closed)
    }

    async fn add_pool_health(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        hour: DateTime<Utc>,
        d: &PoolHealth,
    ) -> StoreResult<()> {
        let mut e = Expr::default();
        let update = format!(
            "SET {} = {} ADD {} {}, {} {}, {} {}, {} {}",
            e.name("hour"),
            e.value(n(ms(hour))),
            e.name("acquires"),
            e.value(n(d.acquires)),
            e.name("exhaustions"),
            e.value(n(d.exhaustions)),
            e.name("early_reuses"),
            e.value(n(d.early_reuses)),
            e.name("expired"),
            e.value(n(d.expired)),
        );
        self.update_if(
            key::tenant_pk(tenant),
            key::health_sk(pool, hour),
            &update,
            None,
            e,
        )
        .await
        .map(|_| ())
    }

    async fn pool_health(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(DateTime<Utc>, PoolHealth)>> {
        let last = to - chrono::Duration::milliseconds(1);
        let items = self
            .query_between(
                None,
                (PK, SK),
                key::tenant_pk(tenant),
                key::health_sk(pool, from),
                key::health_sk(pool, last),
            )
            .await?;
        items.iter().map(health_from).collect()
    }

    async fn get_call(&self, tenant: &TenantId, id: &CallId) -> StoreResult<Option<Call>> {
        self.get(key::tenant_pk(tenant), &key::call_sk(id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn calls_between(
        &self,
        tenant: &TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Call>> {
        let last = to - chrono::Duration::milliseconds(1);
        let items = self
            .query_between(
                Some(GSI1),
                (GSI1PK, GSI1SK),
                key::calls_gsi1(tenant),
                key::ts(from),
                format!("{}$", key::ts(last)),
            )
            .await?;
        docs(&items)
    }

    async fn calls_with(
        &self,
        tenant: &TenantId,
        caller: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Call>> {
        let mut e = Expr::default();
        let cond = format!(
            "{} = {} AND {} >= {}",
            e.name(GSI2PK),
            e.value(s(key::calls_by_caller_gsi2(tenant, caller))),
            e.name(GSI2SK),
            e.value(s(key::ts(since)))
        );
        docs(&self.query(Some(GSI2), &cond, e, true, None).await?)
    }

    async fn get_deal(&self, tenant: &TenantId, id: &str) -> StoreResult<Option<Deal>> {
        self.get(key::tenant_pk(tenant), &key::deal_sk(id))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn deals_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Deal>> {
        let items = self
            .query_between(
                Some(GSI1),
                (GSI1PK, GSI1SK),
                key::deals_gsi1(tenant),
                format!("{from}#"),
                format!("{to}$"),
            )
            .await?;
        docs(&items)
    }

    async fn commit(&self, commit: &Commit) -> StoreResult<CommitOutcome> {
        let tenant = commit.tenant_id()?;
        let mut items = Vec::new();
        if let Some(ev) = &commit.event {
            let (item, cond, e) = self.claim_put(&ev.tenant, &ev.key, ev.expires_at);
            items.push(self.tx_put(item, Some(&cond), e)?);
        }
        for w in &commit.calls {
            let mut call = w.call.clone();
            call.version = w.expected_version.map_or(1, |v| v + 1);
            let mut e = Expr::default();
            let cond = match w.expected_version {
                None => format!("attribute_not_exists({})", e.name(PK)),
                Some(v) => format!("{} = {}", e.name("version"), e.value(n(v as i64))),
            };
            items.push(self.tx_put(call_item(&call)?, Some(&cond), e)?);
        }
        if let Some(w) = &commit.deal {
            let mut deal = w.deal.clone();
            deal.version = w.expected.as_ref().map_or(1, |d| d.version + 1);
            let mut e = Expr::default();
            let cond = match &w.expected {
                None => format!("attribute_not_exists({})", e.name(PK)),
                Some(old) => format!("{} = {}", e.name("version"), e.value(n(old.version as i64))),
            };
            items.push(self.tx_put(deal_item(&deal)?, Some(&cond), e)?);
        }
        if let Some(t) = &tenant {
            items.extend(self.rollup_updates(t, &commit.rollups)?);
        }
        if items.is_empty() {
            return Ok(CommitOutcome::Committed);
        }
        match self.transact(items).await? {
            Tx::Committed => Ok(CommitOutcome::Committed),
            // The claim is item 0: its failure means this event was seen before.
            Tx::Cancelled(codes) if commit.event.is_some() && Tx::failed_at(&codes, 0) => {
                Ok(CommitOutcome::Duplicate)
            }
            Tx::Cancelled(_) => Ok(CommitOutcome::Conflict),
        }
    }

    async fn put_costs(&self, tenant: &TenantId, rows: &[Cost]) -> StoreResult<()> {
        // The same key twice: the last row wins, as with SQLite's upsert.
        let mut by_key: HashMap<String, &Cost> = HashMap::new();
        let mut order = Vec::new();
        for r in rows {
            let sk = key::cost_sk(r.date, &r.channel, &r.campaign);
            if by_key.insert(sk.clone(), r).is_none() {
                order.push(sk);
            }
        }
        let mut items = Vec::new();
        for sk in order {
            let item = Item::from([
                (PK.into(), s(key::tenant_pk(tenant))),
                (SK.into(), s(sk.as_str())),
                (DOC.into(), to_doc(by_key[&sk])?),
            ]);
            items.push(self.tx_put(item, None, Expr::default())?);
        }
        // All or nothing per 100 rows (DynamoDB's transaction limit). A failed import is retried
        // whole; rows are upserts by key, so a retry converges.
        for chunk in items.chunks(MAX_TX_ITEMS) {
            self.transact(chunk.to_vec()).await?;
        }
        Ok(())
    }

    async fn costs_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Cost>> {
        let items = self
            .query_between(
                None,
                (PK, SK),
                key::tenant_pk(tenant),
                format!("COST#{from}#"),
                format!("COST#{to}$"),
            )
            .await?;
        let mut costs: Vec<Cost> = docs(&items)?;
        costs.sort_by(|a, b| {
            (a.date, &a.channel, &a.campaign).cmp(&(b.date, &b.channel, &b.campaign))
        });
        Ok(costs)
    }

    async fn rollups_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Rollup>> {
        let items = self
            .query_between(
                None,
                (PK, SK),
                key::tenant_pk(tenant),
                format!("ROLLUP#{from}#"),
                format!("ROLLUP#{to}$"),
            )
            .await?;
        items.iter().map(rollup_from).collect()
    }

    async fn claim_once(
        &self,
        tenant: &TenantId,
        k: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let (item, cond, e) = self.claim_put(tenant, k, expires_at);
        self.put_if(item, Some(&cond), e).await
    }

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
            channel: channel.into(),
            counters: Counters {
                calls,
                ..Default::default()
            },
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
        assert_eq!(merged, vec![delta(1, "a", 3), delta(1, "b", 1)]);
    }

    #[test]
    fn deltas_that_cancel_still_write_their_row() {
        assert_eq!(
            merge_rollups(&[delta(1, "a", 1), delta(1, "a", -1)]),
            vec![delta(1, "a", 0)]
        );
    }

    #[test]
    fn sort_keys_order_like_the_sqlite_columns() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::milliseconds(999);
        let t1 = t0 + chrono::Duration::milliseconds(1);
        assert!(key::ts(t0) < key::ts(t1));
        assert_eq!(key::ts(t1).len(), 15);
        let d = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        assert!(key::rollup_sk(d, "a") < key::rollup_sk(d, "ab"));
        assert!(key::rollup_sk(d, "zzz") < format!("ROLLUP#{d}$"));
        assert_ne!(key::cost_sk(d, "a#b", "c"), key::cost_sk(d, "a", "b#c"));
    }
}
