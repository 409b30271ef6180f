//! The store on one machine: SQLite in WAL mode, mirroring the DynamoDB entities.
//!
//! Each entity is a JSON document plus the columns its look-ups need, so the two adapters keep
//! the same shape and the conformance suite pins the same behaviour on both.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use calltrack::model::*;
use calltrack::ports::*;
use calltrack::secrets::{self, LocalSealer, Sealer};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The data dir's key for tenant secrets at rest (32 random bytes, mode 0600).
pub const SECRET_KEY_FILE: &str = "secrets.key";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS outbox (tenant TEXT NOT NULL, key TEXT NOT NULL, due_at INTEGER NOT NULL,
  data TEXT NOT NULL, PRIMARY KEY (tenant, key));
CREATE INDEX IF NOT EXISTS outbox_by_due ON outbox (due_at);
CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, site_key TEXT UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS numbers (number TEXT PRIMARY KEY, tenant TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS numbers_by_tenant ON numbers (tenant, number);
CREATE TABLE IF NOT EXISTS pools (tenant TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant, id));
CREATE TABLE IF NOT EXISTS slots (tenant TEXT NOT NULL, pool TEXT NOT NULL, number TEXT NOT NULL,
  available_at INTEGER NOT NULL, lease_id TEXT, visitor_id TEXT, displaced_until INTEGER,
  PRIMARY KEY (tenant, pool, number));
CREATE INDEX IF NOT EXISTS slots_by_available ON slots (tenant, pool, available_at, number);
CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, pool TEXT NOT NULL,
  number TEXT NOT NULL, visitor_id TEXT NOT NULL, started_at INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS leases_by_visitor ON leases (tenant, pool, visitor_id, started_at);
CREATE INDEX IF NOT EXISTS leases_by_number ON leases (tenant, number, started_at);
CREATE TABLE IF NOT EXISTS pool_health (tenant TEXT NOT NULL, pool TEXT NOT NULL, hour INTEGER NOT NULL,
  acquires INTEGER NOT NULL, exhaustions INTEGER NOT NULL, early_reuses INTEGER NOT NULL, expired INTEGER NOT NULL,
  PRIMARY KEY (tenant, pool, hour));
CREATE TABLE IF NOT EXISTS calls (tenant TEXT NOT NULL, id TEXT NOT NULL, started_at INTEGER NOT NULL,
  caller TEXT, version INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant, id));
CREATE INDEX IF NOT EXISTS calls_by_time ON calls (tenant, started_at);
CREATE INDEX IF NOT EXISTS calls_by_caller ON calls (tenant, caller, started_at);
CREATE TABLE IF NOT EXISTS deals (tenant TEXT NOT NULL, id TEXT NOT NULL, day TEXT NOT NULL, version INTEGER NOT NULL,
  data TEXT NOT NULL, PRIMARY KEY (tenant, id));
CREATE INDEX IF NOT EXISTS deals_by_day ON deals (tenant, day);
CREATE TABLE IF NOT EXISTS costs (tenant TEXT NOT NULL, date TEXT NOT NULL, channel TEXT NOT NULL, campaign TEXT NOT NULL,
  data TEXT NOT NULL, PRIMARY KEY (tenant, date, channel, campaign));
CREATE TABLE IF NOT EXISTS rollups (tenant TEXT NOT NULL, day TEXT NOT NULL, channel TEXT NOT NULL,
  visits INTEGER NOT NULL DEFAULT 0, calls INTEGER NOT NULL DEFAULT 0, first_time_callers INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0, missed INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  deals INTEGER NOT NULL DEFAULT 0, won INTEGER NOT NULL DEFAULT 0, revenue_minor INTEGER NOT NULL DEFAULT 0,
  talk_seconds INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (tenant, day, channel));
CREATE TABLE IF NOT EXISTS group_rollups (tenant TEXT NOT NULL, dim TEXT NOT NULL, day TEXT NOT NULL,
  grp TEXT NOT NULL, visits INTEGER NOT NULL DEFAULT 0, calls INTEGER NOT NULL DEFAULT 0,
  first_time_callers INTEGER NOT NULL DEFAULT 0, answered INTEGER NOT NULL DEFAULT 0, missed INTEGER NOT NULL DEFAULT 0,
  returned INTEGER NOT NULL DEFAULT 0, deals INTEGER NOT NULL DEFAULT 0, won INTEGER NOT NULL DEFAULT 0,
  revenue_minor INTEGER NOT NULL DEFAULT 0, talk_seconds INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (tenant, dim, day, grp));
CREATE TABLE IF NOT EXISTS rollup_cells (tenant TEXT NOT NULL, dim TEXT NOT NULL, day TEXT NOT NULL,
  grp TEXT NOT NULL, cells BLOB NOT NULL, PRIMARY KEY (tenant, dim, day, grp));
CREATE TABLE IF NOT EXISTS problems (tenant TEXT NOT NULL, day TEXT NOT NULL, call_id TEXT NOT NULL,
  score INTEGER NOT NULL, started_at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant, day, call_id));
CREATE INDEX IF NOT EXISTS problems_by_rank ON problems (tenant, day, score, started_at);
CREATE TABLE IF NOT EXISTS claims (tenant TEXT NOT NULL, key TEXT NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, key));
CREATE TABLE IF NOT EXISTS buckets (tenant TEXT NOT NULL, key TEXT NOT NULL, tat INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, PRIMARY KEY (tenant, key));
"#;

/// The SQLite store. One connection behind a mutex: writes are serialised, which is also what
/// makes compare-and-swap on slots and versions exact.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    requests: AtomicU64,
    /// Seals tenant secrets at rest (`secrets.key` in the data dir).
    sealer: Arc<dyn Sealer>,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

fn to_json(v: &impl Serialize) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl SqliteStore {
    /// Opens (and creates) `store.db` under `dir`.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(dir).map_err(unavailable)?;
        let conn = Connection::open(dir.join("store.db")).map_err(unavailable)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(unavailable)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(unavailable)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(unavailable)?;
        let key = crate::files::secret_key(&dir.join(SECRET_KEY_FILE)).map_err(unavailable)?;
        Self::with(conn, Arc::new(LocalSealer::new(key)))
    }

    /// A private in-memory store (tests, simulations), sealing with a random key.
    pub fn in_memory() -> StoreResult<Self> {
        Self::with(
            Connection::open_in_memory().map_err(unavailable)?,
            Arc::new(LocalSealer::random()),
        )
    }

    fn with(conn: Connection, sealer: Arc<dyn Sealer>) -> StoreResult<Self> {
        conn.execute_batch(SCHEMA).map_err(unavailable)?;
        add_counter_columns(&conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            requests: AtomicU64::new(0),
            sealer,
        })
    }

    async fn opened(&self, doc: Option<Tenant>) -> StoreResult<Option<Tenant>> {
        match doc {
            Some(d) => Ok(Some(secrets::opened(&*self.sealer, d).await?)),
            None => Ok(None),
        }
    }

    /// Runs `f` on the connection, counting one request.
    fn with_conn<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut guard = self
            .conn
            .lock()
            .map_err(|_| unavailable("store lock poisoned"))?;
        f(&mut guard)
    }

    /// Runs `f` in one immediate transaction, committed only if `f` says so.
    fn in_tx<T>(&self, f: impl FnOnce(&Transaction) -> StoreResult<(T, bool)>) -> StoreResult<T> {
        self.with_conn(|c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let (out, keep) = f(&tx)?;
            if keep {
                tx.commit().map_err(unavailable)?;
            }
            Ok(out)
        })
    }

    /// True when the store holds any tenant (the demo refuses a used data dir).
    pub fn is_empty(&self) -> StoreResult<bool> {
        self.with_conn(|c| {
            let n: i64 = c
                .query_row("SELECT COUNT(*) FROM tenants", [], |r| r.get(0))
                .map_err(unavailable)?;
            Ok(n == 0)
        })
    }
}

fn query_docs<T: DeserializeOwned>(
    c: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
) -> StoreResult<Vec<T>> {
    let mut st = c.prepare_cached(sql).map_err(unavailable)?;
    let rows = st
        .query_map(p, |r| r.get::<_, String>(0))
        .map_err(unavailable)?;
    rows.map(|r| r.map_err(unavailable).and_then(|s| from_json(&s)))
        .collect()
}

fn query_doc<T: DeserializeOwned>(
    c: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
) -> StoreResult<Option<T>> {
    let s: Option<String> = c
        .query_row(sql, p, |r| r.get(0))
        .optional()
        .map_err(unavailable)?;
    s.map(|s| from_json(&s)).transpose()
}

fn slots(
    c: &Connection,
    tenant: &TenantId,
    pool: &PoolId,
    sql: &str,
    p: impl rusqlite::Params,
) -> StoreResult<Vec<PoolSlot>> {
    let mut st = c.prepare_cached(sql).map_err(unavailable)?;
    let rows = st
        .query_map(p, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })
        .map_err(unavailable)?;
    rows.map(|r| {
        let (number, available_at, lease_id, visitor_id, displaced_until) =
            r.map_err(unavailable)?;
        Ok(PoolSlot {
            tenant: tenant.clone(),
            pool: pool.clone(),
            number: PhoneNumber::try_from(number)?,
            available_at: from_ms(available_at),
            lease_id: lease_id.map(|l| LeaseId::parse(&l)).transpose()?,
            visitor_id,
            displaced_until: displaced_until.map(from_ms),
        })
    })
    .collect()
}

/// The counter columns, in [`Counters::FIELDS`] order.
fn counter_columns() -> String {
    Counters::FIELDS.join(", ")
}

/// The two rollup upserts (by channel, by any other dimension), built once from
/// [`Counters::FIELDS`]: every commit that counts something runs one of them.
fn rollup_upserts() -> &'static (String, String) {
    static SQL: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let add = Counters::FIELDS
            .iter()
            .map(|f| format!("{f} = {f} + excluded.{f}"))
            .collect::<Vec<_>>()
            .join(", ");
        let slots = (0..Counters::N)
            .map(|i| format!("?{}", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        // The channel's rows keep the table they had before dimensions; the others share one.
        let by_channel = format!(
            "INSERT INTO rollups (tenant, day, channel, {cols}) VALUES (?1, ?2, ?3, {slots})
             ON CONFLICT (tenant, day, channel) DO UPDATE SET {add}",
            cols = counter_columns()
        );
        let by_group = format!(
            "INSERT INTO group_rollups (tenant, day, grp, dim, {cols}) VALUES (?1, ?2, ?3, ?{dim}, {slots})
             ON CONFLICT (tenant, dim, day, grp) DO UPDATE SET {add}",
            cols = counter_columns(),
            dim = Counters::N + 4
        );
        (by_channel, by_group)
    })
}

fn apply_rollups(tx: &Transaction, tenant: &TenantId, deltas: &[RollupDelta]) -> StoreResult<()> {
    let (by_channel, by_group) = rollup_upserts();
    for d in deltas.iter().filter(|d| !d.cells.is_empty()) {
        apply_cells(tx, tenant, d)?;
    }
    for d in deltas.iter().filter(|d| !d.counters.is_zero()) {
        let (t, day) = (tenant.as_str().to_string(), d.day.to_string());
        let mut args: Vec<rusqlite::types::Value> =
            vec![t.into(), day.into(), d.group.clone().into()];
        args.extend(d.counters.values().map(rusqlite::types::Value::from));
        let sql = if d.dimension == Dimension::Channel {
            by_channel
        } else {
            args.push(d.dimension.as_str().to_string().into());
            by_group
        };
        tx.prepare_cached(sql)
            .and_then(|mut st| st.execute(rusqlite::params_from_iter(args)))
            .map_err(unavailable)?;
    }
    Ok(())
}

/// Adds a delta's cells to its row's packed cells, read and written back in the commit's
/// transaction (the connection's one writer makes that safe): a report then reads one blob per
/// day and group, not one row per cell. A row whose cells all reach zero is removed.
fn apply_cells(tx: &Transaction, tenant: &TenantId, d: &RollupDelta) -> StoreResult<()> {
    let key = params![
        tenant.as_str(),
        d.dimension.as_str(),
        d.day.to_string(),
        d.group
    ];
    let stored: Option<Vec<u8>> = tx
        .prepare_cached(
            "SELECT cells FROM rollup_cells WHERE tenant = ?1 AND dim = ?2 AND day = ?3 AND grp = ?4",
        )
        .and_then(|mut st| st.query_row(key, |r| r.get(0)).optional())
        .map_err(unavailable)?;
    let mut cells = match &stored {
        Some(b) => unpack_cells(b)?,
        None => Cells::default(),
    };
    cells.merge(&d.cells);
    if cells.is_empty() {
        tx.prepare_cached(
            "DELETE FROM rollup_cells WHERE tenant = ?1 AND dim = ?2 AND day = ?3 AND grp = ?4",
        )
        .and_then(|mut st| st.execute(key))
        .map_err(unavailable)?;
    } else {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO rollup_cells (tenant, dim, day, grp, cells) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut st| {
            st.execute(params![
                tenant.as_str(),
                d.dimension.as_str(),
                d.day.to_string(),
                d.group,
                pack_cells(&cells)
            ])
        })
        .map_err(unavailable)?;
    }
    Ok(())
}

/// Cells as bytes: for each cell its [`Cell::code`] and its count, both LEB128 varints (the
/// count zigzag-encoded, as a count may be negative mid-way through a move).
fn pack_cells(cells: &Cells) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    let mut out = Vec::with_capacity(cells.len() * 4);
    for (cell, n) in cells.iter() {
        varint(&mut out, cell.code() as u64);
        varint(&mut out, ((n << 1) ^ (n >> 63)) as u64);
    }
    out
}

/// Calls `f` with each (code, count) of a packed cells blob.
fn each_packed(bytes: &[u8], mut f: impl FnMut(i64, i64)) -> StoreResult<()> {
    let mut it = bytes.iter();
    let mut next = || -> StoreResult<Option<u64>> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(b) = it.next() else {
                return if shift == 0 {
                    Ok(None)
                } else {
                    Err(StoreError::Corrupt("packed cells cut short".into()))
                };
            };
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(Some(v));
            }
        }
        Err(StoreError::Corrupt("packed cells: varint too long".into()))
    };
    while let Some(code) = next()? {
        let z = next()?.ok_or_else(|| StoreError::Corrupt("packed cells: count missing".into()))?;
        f(code as i64, (z >> 1) as i64 ^ -((z & 1) as i64));
    }
    Ok(())
}

fn unpack_cells(bytes: &[u8]) -> StoreResult<Cells> {
    let mut cells = Cells::default();
    let mut bad = None;
    each_packed(bytes, |code, n| match Cell::from_code(code) {
        Some(c) => cells.add(c, n),
        None => bad = Some(code),
    })?;
    match bad {
        Some(code) => Err(StoreError::Corrupt(format!("rollup cell {code}"))),
        None => Ok(cells),
    }
}

/// Adds the counter columns a data dir made by an earlier version lacks (zero for its rows:
/// what they counted before the counter existed).
fn add_counter_columns(conn: &Connection) -> StoreResult<()> {
    for table in ["rollups", "group_rollups"] {
        let have: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(unavailable)?;
        for f in Counters::FIELDS
            .iter()
            .filter(|f| !have.iter().any(|h| h == *f))
        {
            conn.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN {f} INTEGER NOT NULL DEFAULT 0"
            ))
            .map_err(unavailable)?;
        }
    }
    Ok(())
}

fn apply_problem(tx: &Transaction, tenant: &TenantId, p: &ProblemChange) -> StoreResult<()> {
    if let Some(old) = &p.old {
        tx.execute(
            "DELETE FROM problems WHERE tenant = ?1 AND day = ?2 AND call_id = ?3",
            params![tenant.as_str(), old.day.to_string(), old.call_id.as_str()],
        )
        .map_err(unavailable)?;
    }
    if let Some(new) = &p.new {
        let (score, started) = new.rank();
        tx.execute(
            "INSERT OR REPLACE INTO problems (tenant, day, call_id, score, started_at, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![tenant.as_str(), new.day.to_string(), new.call_id.as_str(), score, ms(started), to_json(new)?],
        )
        .map_err(unavailable)?;
    }
    Ok(())
}

fn parse_day(s: &str) -> StoreResult<NaiveDate> {
    s.parse()
        .map_err(|e| StoreError::Corrupt(format!("day '{s}': {e}")))
}

#[async_trait]
impl TenantStore for SqliteStore {
    async fn put_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        let data = to_json(&secrets::sealed(&*self.sealer, tenant).await?)?;
        self.with_conn(|c| {
            let r = c.execute(
                "INSERT INTO tenants (id, site_key, data) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET site_key = ?2, data = ?3",
                params![tenant.id.as_str(), tenant.site_key, data],
            );
            match r {
                Ok(_) => Ok(()),
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    Err(StoreError::Conflict(
                        "site key already used by another tenant".into(),
                    ))
                }
                Err(e) => Err(unavailable(e)),
            }
        })
    }

    async fn get_tenant(&self, id: &TenantId) -> StoreResult<Option<Tenant>> {
        let doc = self
            .with_conn(|c| query_doc(c, "SELECT data FROM tenants WHERE id = ?1", [id.as_str()]))?;
        self.opened(doc).await
    }

    async fn tenant_by_site_key(&self, site_key: &str) -> StoreResult<Option<Tenant>> {
        let doc = self.with_conn(|c| {
            query_doc::<Tenant>(
                c,
                "SELECT data FROM tenants WHERE site_key = ?1",
                [site_key],
            )
        })?;
        // The snippet's path needs no secrets: nothing to open, nothing to hand out.
        Ok(doc.map(|t| secrets::public_copy(&t)))
    }

    async fn purge_tenant(&self, id: &TenantId) -> StoreResult<u64> {
        self.in_tx(|tx| {
            let mut removed = 0u64;
            for table in [
                "outbox",
                "numbers",
                "pools",
                "slots",
                "leases",
                "pool_health",
                "calls",
                "deals",
                "costs",
                "rollups",
                "group_rollups",
                "rollup_cells",
                "problems",
                "claims",
                "buckets",
            ] {
                let n = tx
                    .execute(
                        &format!("DELETE FROM {table} WHERE tenant = ?1"),
                        [id.as_str()],
                    )
                    .map_err(unavailable)?;
                removed += n as u64;
            }
            let n = tx
                .execute("DELETE FROM tenants WHERE id = ?1", [id.as_str()])
                .map_err(unavailable)?;
            Ok((removed + n as u64, true))
        })
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let docs: Vec<Tenant> =
            self.with_conn(|c| query_docs(c, "SELECT data FROM tenants ORDER BY id", []))?;
        let mut out = Vec::with_capacity(docs.len());
        for d in docs {
            out.push(secrets::opened(&*self.sealer, d).await?);
        }
        Ok(out)
    }
}

#[async_trait]
impl NumberStore for SqliteStore {
    async fn put_number(&self, number: &TrackingNumber) -> StoreResult<()> {
        let data = to_json(number)?;
        self.in_tx(|tx| {
            let owner: Option<String> = tx
                .query_row("SELECT tenant FROM numbers WHERE number = ?1", [number.number.as_str()], |r| r.get(0))
                .optional()
                .map_err(unavailable)?;
            if owner.as_deref().is_some_and(|o| o != number.tenant.as_str()) {
                return Err(StoreError::Conflict(format!(
                    "number {} belongs to another tenant",
                    number.number.masked()
                )));
            }
            tx.execute(
                "INSERT INTO numbers (number, tenant, data) VALUES (?1, ?2, ?3)
                 ON CONFLICT (number) DO UPDATE SET data = ?3",
                params![number.number.as_str(), number.tenant.as_str(), data],
            )
            .map_err(unavailable)?;
            // A number moved out of a pool (or to another pool) leaves its old slot behind.
            let pool = match &number.kind {
                NumberKind::Pool { pool } => Some(pool.as_str()),
                NumberKind::Static { .. } => None,
            };
            tx.execute(
                "DELETE FROM slots WHERE tenant = ?1 AND number = ?2 AND pool IS NOT ?3",
                params![number.tenant.as_str(), number.number.as_str(), pool],
            )
            .map_err(unavailable)?;
            if let Some(pool) = pool {
                tx.execute(
                    "INSERT OR IGNORE INTO slots (tenant, pool, number, available_at, lease_id) VALUES (?1, ?2, ?3, 0, NULL)",
                    params![number.tenant.as_str(), pool, number.number.as_str()],
                )
                .map_err(unavailable)?;
            }
            Ok(((), true))
        })
    }

    async fn get_number(&self, number: &PhoneNumber) -> StoreResult<Option<TrackingNumber>> {
        self.with_conn(|c| {
            query_doc(
                c,
                "SELECT data FROM numbers WHERE number = ?1",
                [number.as_str()],
            )
        })
    }

    async fn list_numbers(&self, tenant: &TenantId) -> StoreResult<Vec<TrackingNumber>> {
        self.with_conn(|c| {
            query_docs(
                c,
                "SELECT data FROM numbers WHERE tenant = ?1 ORDER BY number",
                [tenant.as_str()],
            )
        })
    }

    async fn put_pool(&self, pool: &PoolSettings) -> StoreResult<()> {
        let data = to_json(pool)?;
        self.with_conn(|c| {
            c.execute(
                "INSERT INTO pools (tenant, id, data) VALUES (?1, ?2, ?3) ON CONFLICT (tenant, id) DO UPDATE SET data = ?3",
                params![pool.tenant.as_str(), pool.id.as_str(), data],
            )
            .map_err(unavailable)?;
            Ok(())
        })
    }

    async fn get_pool(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
    ) -> StoreResult<Option<PoolSettings>> {
        self.with_conn(|c| {
            query_doc(
                c,
                "SELECT data FROM pools WHERE tenant = ?1 AND id = ?2",
                [tenant.as_str(), pool.as_str()],
            )
        })
    }

    async fn list_pools(&self, tenant: &TenantId) -> StoreResult<Vec<PoolSettings>> {
        self.with_conn(|c| {
            query_docs(
                c,
                "SELECT data FROM pools WHERE tenant = ?1 ORDER BY id",
                [tenant.as_str()],
            )
        })
    }
}

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn get_bucket(
        &self,
        tenant: &TenantId,
        key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        self.with_conn(|c| {
            c.query_row(
                "SELECT tat FROM buckets WHERE tenant = ?1 AND key = ?2 AND expires_at > ?3",
                params![tenant.as_str(), key, ms(now)],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)
        })
    }

    async fn put_bucket(
        &self,
        tenant: &TenantId,
        key: &str,
        tat_ms: i64,
        expected: Option<i64>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.with_conn(|c| {
            let tx = c.transaction().map_err(unavailable)?;
            let current: Option<i64> = tx
                .query_row(
                    "SELECT tat FROM buckets WHERE tenant = ?1 AND key = ?2 AND expires_at > ?3",
                    params![tenant.as_str(), key, ms(now)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            if current != expected {
                return Ok(false);
            }
            if expected.is_none() {
                // DynamoDB forgets expired buckets by TTL; here a new bucket clears the
                // tenant's expired ones, so a flood of sources leaves no rows behind.
                tx.execute(
                    "DELETE FROM buckets WHERE tenant = ?1 AND expires_at <= ?2",
                    params![tenant.as_str(), ms(now)],
                )
                .map_err(unavailable)?;
            }
            tx.execute(
                "INSERT INTO buckets (tenant, key, tat, expires_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (tenant, key) DO UPDATE SET tat = excluded.tat, expires_at = excluded.expires_at",
                params![tenant.as_str(), key, tat_ms, ms(expires_at)],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(true)
        })
    }

    async fn all_slots(&self, tenant: &TenantId, pool: &PoolId) -> StoreResult<Vec<PoolSlot>> {
        self.with_conn(|c| {
            slots(
                c,
                tenant,
                pool,
                "SELECT number, available_at, lease_id, visitor_id, displaced_until FROM slots WHERE tenant = ?1 AND pool = ?2 ORDER BY available_at, number",
                params![tenant.as_str(), pool.as_str()],
            )
        })
    }

    async fn take_slot(&self, take: &TakeSlot) -> StoreResult<bool> {
        let s = &take.slot;
        let lease = &take.lease;
        let data = to_json(lease)?;
        self.in_tx(|tx| {
            let changed = tx
                .execute(
                    "UPDATE slots SET available_at = ?1, lease_id = ?2, visitor_id = ?8,
                       displaced_until = COALESCE(?9, displaced_until)
                     WHERE tenant = ?3 AND pool = ?4 AND number = ?5 AND available_at = ?6 AND lease_id IS ?7",
                    params![
                        ms(lease.expires_at),
                        lease.id.as_str(),
                        s.tenant.as_str(),
                        s.pool.as_str(),
                        s.number.as_str(),
                        ms(s.available_at),
                        s.lease_id.as_ref().map(|l| l.as_str()),
                        lease.visit.visitor_id,
                        take.displaced_until.map(ms),
                    ],
                )
                .map_err(unavailable)?;
            if changed == 0 {
                return Ok((false, false));
            }
            tx.execute(
                "INSERT INTO leases (id, tenant, pool, number, visitor_id, started_at, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    lease.id.as_str(),
                    lease.tenant.as_str(),
                    lease.pool.as_str(),
                    lease.number.as_str(),
                    lease.visit.visitor_id,
                    ms(lease.started_at),
                    data
                ],
            )
            .map_err(unavailable)?;
            apply_rollups(tx, &lease.tenant, &take.rollups)?;
            Ok((true, true))
        })
    }

    async fn get_lease(&self, id: &LeaseId) -> StoreResult<Option<Lease>> {
        self.with_conn(|c| query_doc(c, "SELECT data FROM leases WHERE id = ?1", [id.as_str()]))
    }

    async fn lease_for_visitor(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        visitor_id: &str,
    ) -> StoreResult<Option<Lease>> {
        self.with_conn(|c| {
            query_doc(
                c,
                "SELECT data FROM leases WHERE tenant = ?1 AND pool = ?2 AND visitor_id = ?3 ORDER BY started_at DESC LIMIT 1",
                params![tenant.as_str(), pool.as_str(), visitor_id],
            )
        })
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        now: DateTime<Utc>,
        holds_slot: bool,
    ) -> StoreResult<bool> {
        self.in_tx(|tx| {
            let stored: Option<Lease> = query_doc(tx, "SELECT data FROM leases WHERE id = ?1", [lease.id.as_str()])?;
            let Some(mut stored) = stored else { return Ok((false, false)) };
            if stored.ended_at.is_some() || stored.expires_at <= now {
                return Ok((false, false));
            }
            if holds_slot {
                let n = tx
                    .execute(
                        "UPDATE slots SET available_at = ?1 WHERE tenant = ?2 AND pool = ?3 AND number = ?4 AND lease_id = ?5",
                        params![
                            ms(lease.expires_at),
                            lease.tenant.as_str(),
                            lease.pool.as_str(),
                            lease.number.as_str(),
                            lease.id.as_str()
                        ],
                    )
                    .map_err(unavailable)?;
                if n == 0 {
                    return Ok((false, false));
                }
            }
            stored.expires_at = lease.expires_at;
            stored.last_seen_at = lease.last_seen_at;
            tx.execute("UPDATE leases SET data = ?1 WHERE id = ?2", params![to_json(&stored)?, lease.id.as_str()])
                .map_err(unavailable)?;
            Ok((true, true))
        })
    }

    async fn add_intent(&self, id: &LeaseId, intent: &Intent, max: usize) -> StoreResult<bool> {
        self.in_tx(|tx| {
            let stored: Option<Lease> =
                query_doc(tx, "SELECT data FROM leases WHERE id = ?1", [id.as_str()])?;
            let Some(mut lease) = stored.filter(|l| l.intents.len() < max) else {
                return Ok((false, false));
            };
            lease.intents.push(intent.clone());
            tx.execute(
                "UPDATE leases SET data = ?1 WHERE id = ?2",
                params![to_json(&lease)?, id.as_str()],
            )
            .map_err(unavailable)?;
            Ok((true, true))
        })
    }

    async fn leases_started_between(
        &self,
        tenant: &TenantId,
        number: &PhoneNumber,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Lease>> {
        self.with_conn(|c| {
            query_docs(
                c,
                "SELECT data FROM leases WHERE tenant = ?1 AND number = ?2 AND started_at >= ?3 AND started_at <= ?4
                 ORDER BY started_at",
                params![tenant.as_str(), number.as_str(), ms(from), ms(to)],
            )
        })
    }

    async fn close_expired(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        now: DateTime<Utc>,
    ) -> StoreResult<u32> {
        self.with_conn(|c| {
            let n = c
                .execute(
                    "UPDATE slots SET lease_id = NULL, visitor_id = NULL WHERE tenant = ?1 AND pool = ?2 AND lease_id IS NOT NULL AND available_at <= ?3",
                    params![tenant.as_str(), pool.as_str(), ms(now)],
                )
                .map_err(unavailable)?;
            Ok(n as u32)
        })
    }

    async fn add_pool_health(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        hour: DateTime<Utc>,
        d: &PoolHealth,
    ) -> StoreResult<()> {
        self.with_conn(|c| {
            c.execute(
                "INSERT INTO pool_health (tenant, pool, hour, acquires, exhaustions, early_reuses, expired)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (tenant, pool, hour) DO UPDATE SET acquires = acquires + ?4,
                   exhaustions = exhaustions + ?5, early_reuses = early_reuses + ?6, expired = expired + ?7",
                params![tenant.as_str(), pool.as_str(), ms(hour), d.acquires, d.exhaustions, d.early_reuses, d.expired],
            )
            .map_err(unavailable)?;
            Ok(())
        })
    }

    async fn pool_health(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(DateTime<Utc>, PoolHealth)>> {
        self.with_conn(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT hour, acquires, exhaustions, early_reuses, expired FROM pool_health
                     WHERE tenant = ?1 AND pool = ?2 AND hour >= ?3 AND hour < ?4 ORDER BY hour",
                )
                .map_err(unavailable)?;
            let rows = st
                .query_map(
                    params![tenant.as_str(), pool.as_str(), ms(from), ms(to)],
                    |r| {
                        Ok((
                            from_ms(r.get(0)?),
                            PoolHealth {
                                acquires: r.get(1)?,
                                exhaustions: r.get(2)?,
                                early_reuses: r.get(3)?,
                                expired: r.get(4)?,
                            },
                        ))
                    },
                )
                .map_err(unavailable)?;
            rows.map(|r| r.map_err(unavailable)).collect()
        })
    }
}

#[async_trait]
impl CallStore for SqliteStore {
    async fn get_call(&self, tenant: &TenantId, id: &CallId) -> StoreResult<Option<Call>> {
        self.with_conn(|c| {
            query_doc(
                c,
                "SELECT data FROM calls WHERE tenant = ?1 AND id = ?2",
                [tenant.as_str(), id.as_str()],
            )
        })
    }

    async fn calls_between(
        &self,
        tenant: &TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Call>> {
        self.with_conn(|c| {
            query_docs(
                c,
                "SELECT data FROM calls WHERE tenant = ?1 AND started_at >= ?2 AND started_at < ?3 ORDER BY started_at, id",
                params![tenant.as_str(), ms(from), ms(to)],
            )
        })
    }

    async fn calls_page(
        &self,
        tenant: &TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<&CallCursor>,
        limit: usize,
    ) -> StoreResult<Vec<Call>> {
        // Before every call of the period: (from - 1 ms, "") sorts first.
        let (after_ms, after_id) = after
            .map(|c| (ms(c.started_at), c.id.as_str().to_string()))
            .unwrap_or((ms(from) - 1, String::new()));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn(move |c| {
            query_docs(
                c,
                "SELECT data FROM calls WHERE tenant = ?1 AND started_at >= ?2 AND started_at < ?3 \
                 AND (started_at > ?4 OR (started_at = ?4 AND id > ?5)) ORDER BY started_at, id LIMIT ?6",
                params![tenant.as_str(), ms(from), ms(to), after_ms, after_id, limit],
            )
        })
    }

    async fn calls_with(
        &self,
        tenant: &TenantId,
        caller: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Call>> {
        self.with_conn(|c| {
            query_docs(
                c,
                "SELECT data FROM calls WHERE tenant = ?1 AND caller = ?2 AND started_at >= ?3 ORDER BY started_at, id",
                params![tenant.as_str(), caller.as_str(), ms(since)],
            )
        })
    }

    async fn delete_expired(&self, tenant: &Tenant, now: DateTime<Utc>) -> StoreResult<u64> {
        let calls_before = tenant
            .retention_days
            .gt(&0)
            .then(|| now - chrono::Duration::days(i64::from(tenant.retention_days)));
        let leases_before = now - calltrack::numbers::LEASE_RETENTION;
        self.in_tx(|tx| {
            let mut n = tx
                .execute(
                    "DELETE FROM leases WHERE tenant = ?1 AND started_at < ?2",
                    params![tenant.id.as_str(), ms(leases_before)],
                )
                .map_err(unavailable)?;
            if let Some(before) = calls_before {
                n += tx
                    .execute(
                        "DELETE FROM calls WHERE tenant = ?1 AND started_at < ?2",
                        params![tenant.id.as_str(), ms(before)],
                    )
                    .map_err(unavailable)?;
                // The problem index points at calls: it goes with them.
                tx.execute(
                    "DELETE FROM problems WHERE tenant = ?1 AND started_at < ?2",
                    params![tenant.id.as_str(), ms(before)],
                )
                .map_err(unavailable)?;
            }
            Ok((n as u64, true))
        })
    }

    async fn first_calls_with(
        &self,
        tenant: &TenantId,
        caller: &PhoneNumber,
        limit: usize,
    ) -> StoreResult<Vec<Call>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn(|c| {
            query_docs(
                c,
                "SELECT data FROM calls WHERE tenant = ?1 AND caller = ?2 ORDER BY started_at, id LIMIT ?3",
                params![tenant.as_str(), caller.as_str(), limit],
            )
        })
    }

    async fn commit(&self, commit: &Commit) -> StoreResult<CommitOutcome> {
        let tenant = commit.tenant_id()?;
        self.in_tx(|tx| {
            if let Some(ev) = &commit.event {
                let n = tx
                    .execute(
                        "INSERT OR IGNORE INTO claims (tenant, key, expires_at) VALUES (?1, ?2, ?3)",
                        params![ev.tenant.as_str(), ev.key, ms(ev.expires_at)],
                    )
                    .map_err(unavailable)?;
                if n == 0 {
                    return Ok((CommitOutcome::Duplicate, false));
                }
            }
            for w in &commit.calls {
                let call = &w.call;
                let data = to_json(call)?;
                let caller = call.caller.as_ref().map(|c| c.as_str().to_string());
                let n = match w.expected_version {
                    None => tx
                        .execute(
                            "INSERT OR IGNORE INTO calls (tenant, id, started_at, caller, version, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            params![call.tenant.as_str(), call.id.as_str(), ms(call.started_at), caller, call.version as i64, data],
                        )
                        .map_err(unavailable)?,
                    Some(v) => tx
                        .execute(
                            "UPDATE calls SET started_at = ?3, caller = ?4, version = ?5, data = ?6
                             WHERE tenant = ?1 AND id = ?2 AND version = ?7",
                            params![
                                call.tenant.as_str(),
                                call.id.as_str(),
                                ms(call.started_at),
                                caller,
                                call.version as i64,
                                data,
                                v as i64
                            ],
                        )
                        .map_err(unavailable)?,
                };
                if n == 0 {
                    return Ok((CommitOutcome::Conflict, false));
                }
            }
            if let Some(w) = &commit.deal {
                let deal = &w.deal;
                let data = to_json(deal)?;
                let n = match &w.expected {
                    None => tx
                        .execute(
                            "INSERT OR IGNORE INTO deals (tenant, id, day, version, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![deal.tenant.as_str(), deal.id, deal.day.to_string(), deal.version as i64, data],
                        )
                        .map_err(unavailable)?,
                    Some(old) => tx
                        .execute(
                            "UPDATE deals SET day = ?3, version = ?4, data = ?5 WHERE tenant = ?1 AND id = ?2 AND version = ?6",
                            params![deal.tenant.as_str(), deal.id, deal.day.to_string(), deal.version as i64, data, old.version as i64],
                        )
                        .map_err(unavailable)?,
                };
                if n == 0 {
                    return Ok((CommitOutcome::Conflict, false));
                }
            }
            if let Some(t) = &tenant {
                apply_rollups(tx, t, &commit.rollups)?;
                for p in &commit.problems {
                    apply_problem(tx, t, p)?;
                }
            }
            for o in &commit.outbox {
                tx.execute(
                    "INSERT OR IGNORE INTO outbox (tenant, key, due_at, data) VALUES (?1, ?2, ?3, ?4)",
                    params![o.tenant.as_str(), o.key, ms(o.due_at), to_json(o)?],
                )
                .map_err(unavailable)?;
            }
            Ok((CommitOutcome::Committed, true))
        })
    }

    async fn outbox_due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<OutboxItem>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn(|c| {
            query_docs(
                c,
                "SELECT data FROM outbox WHERE due_at <= ?1 ORDER BY due_at, tenant, key LIMIT ?2",
                params![ms(now), limit],
            )
        })
    }

    async fn outbox_settle(
        &self,
        item: &OutboxItem,
        retry: Option<&OutboxItem>,
    ) -> StoreResult<()> {
        self.with_conn(|c| {
            match retry {
                None => c.execute(
                    "DELETE FROM outbox WHERE tenant = ?1 AND key = ?2",
                    params![item.tenant.as_str(), item.key],
                ),
                Some(r) => c.execute(
                    "UPDATE outbox SET due_at = ?3, data = ?4 WHERE tenant = ?1 AND key = ?2",
                    params![r.tenant.as_str(), r.key, ms(r.due_at), to_json(r)?],
                ),
            }
            .map_err(unavailable)?;
            Ok(())
        })
    }
}

#[async_trait]
impl DealStore for SqliteStore {
    async fn get_deal(&self, tenant: &TenantId, id: &str) -> StoreResult<Option<Deal>> {
        self.with_conn(|c| {
            query_doc(
                c,
                "SELECT data FROM deals WHERE tenant = ?1 AND id = ?2",
                [tenant.as_str(), id],
            )
        })
    }

    async fn deals_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Deal>> {
        self.with_conn(|c| {
            query_docs(
                c,
                "SELECT data FROM deals WHERE tenant = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day, id",
                params![tenant.as_str(), from.to_string(), to.to_string()],
            )
        })
    }

    async fn put_costs(&self, tenant: &TenantId, rows: &[Cost]) -> StoreResult<()> {
        self.in_tx(|tx| {
            for r in rows {
                tx.execute(
                    "INSERT INTO costs (tenant, date, channel, campaign, data) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (tenant, date, channel, campaign) DO UPDATE SET data = ?5",
                    params![tenant.as_str(), r.date.to_string(), r.channel, r.campaign, to_json(r)?],
                )
                .map_err(unavailable)?;
            }
            Ok(((), true))
        })
    }

    async fn costs_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Cost>> {
        self.with_conn(|c| {
            query_docs(
                c,
                "SELECT data FROM costs WHERE tenant = ?1 AND date >= ?2 AND date <= ?3 ORDER BY date, channel, campaign",
                params![tenant.as_str(), from.to_string(), to.to_string()],
            )
        })
    }
}

#[async_trait]
impl ReportStore for SqliteStore {
    async fn rollups_between(
        &self,
        tenant: &TenantId,
        dimension: Dimension,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Rollup>> {
        self.with_conn(|c| {
            let sql = if dimension == Dimension::Channel {
                format!(
                    "SELECT day, channel, {} FROM rollups WHERE tenant = ?1 AND day >= ?2 AND day <= ?3
                       AND ?4 = 'channel' ORDER BY day, channel",
                    counter_columns()
                )
            } else {
                format!(
                    "SELECT day, grp, {} FROM group_rollups WHERE tenant = ?1 AND dim = ?4 AND day >= ?2
                       AND day <= ?3 ORDER BY day, grp",
                    counter_columns()
                )
            };
            let dim = dimension.as_str();
            let mut st = c.prepare_cached(&sql).map_err(unavailable)?;
            let rows = st
                .query_map(params![tenant.as_str(), from.to_string(), to.to_string(), dim], |r| {
                    let mut v = [0i64; Counters::N];
                    for (i, slot) in v.iter_mut().enumerate() {
                        *slot = r.get(i + 2)?;
                    }
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, v))
                })
                .map_err(unavailable)?;
            rows.map(|r| {
                let (day, group, v) = r.map_err(unavailable)?;
                Ok(Rollup { day: parse_day(&day)?, group, counters: Counters::from_values(v) })
            })
            .collect()
        })
    }

    async fn cells_between(
        &self,
        tenant: &TenantId,
        dimension: Dimension,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<RollupCells>> {
        self.with_conn(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT grp, cells FROM rollup_cells WHERE tenant = ?1 AND dim = ?2 AND day >= ?3
                       AND day <= ?4",
                )
                .map_err(unavailable)?;
            let mut rows = st
                .query(params![
                    tenant.as_str(),
                    dimension.as_str(),
                    from.to_string(),
                    to.to_string()
                ])
                .map_err(unavailable)?;
            // Summed by code first (cheap), turned into cells once per group.
            let mut by: std::collections::HashMap<String, std::collections::HashMap<i64, i64>> =
                Default::default();
            while let Some(r) = rows.next().map_err(unavailable)? {
                let group = r.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(unavailable)?;
                let blob = r.get_ref(1).and_then(|v| Ok(v.as_blob()?)).map_err(unavailable)?;
                let codes = match by.get_mut(group) {
                    Some(codes) => codes,
                    None => by.entry(group.to_string()).or_default(),
                };
                each_packed(blob, |code, n| *codes.entry(code).or_default() += n)?;
            }
            let mut out = vec![];
            for (group, codes) in by {
                let mut cells = Cells::default();
                for (code, n) in codes {
                    let cell = Cell::from_code(code)
                        .ok_or_else(|| StoreError::Corrupt(format!("rollup cell {code}")))?;
                    cells.add(cell, n);
                }
                if !cells.is_empty() {
                    out.push(RollupCells { group, cells });
                }
            }
            out.sort_by(|a, b| a.group.cmp(&b.group));
            Ok(out)
        })
    }

    async fn problems_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
        per_day: usize,
    ) -> StoreResult<Vec<ProblemCall>> {
        let limit = i64::try_from(per_day).unwrap_or(i64::MAX);
        self.with_conn(|c| {
            let mut out = vec![];
            let mut day = from;
            while day <= to {
                out.extend(query_docs::<ProblemCall>(
                    c,
                    "SELECT data FROM problems WHERE tenant = ?1 AND day = ?2 ORDER BY score, started_at LIMIT ?3",
                    params![tenant.as_str(), day.to_string(), limit],
                )?);
                day += chrono::Duration::days(1);
            }
            Ok(out)
        })
    }

    async fn claim_once(
        &self,
        tenant: &TenantId,
        key: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.with_conn(|c| {
            let n = c
                .execute(
                    "INSERT OR IGNORE INTO claims (tenant, key, expires_at) VALUES (?1, ?2, ?3)",
                    params![tenant.as_str(), key, ms(expires_at)],
                )
                .map_err(unavailable)?;
            Ok(n == 1)
        })
    }

    async fn has_claim(&self, tenant: &TenantId, key: &str) -> StoreResult<bool> {
        self.with_conn(|c| {
            c.query_row(
                "SELECT 1 FROM claims WHERE tenant = ?1 AND key = ?2",
                params![tenant.as_str(), key],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(unavailable)
        })
    }
}

impl Store for SqliteStore {
    fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_cells_round_trip_and_a_cut_blob_is_corrupt() {
        let cells: Cells = [
            (
                Cell::Caller {
                    register: 1023,
                    rank: 55,
                },
                1,
            ),
            (
                Cell::Caller {
                    register: 0,
                    rank: 1,
                },
                -3,
            ),
            (Cell::Return { minutes: 4000 }, i64::MAX / 2),
        ]
        .into_iter()
        .collect();
        let packed = pack_cells(&cells);
        assert_eq!(unpack_cells(&packed).unwrap(), cells);
        assert!(unpack_cells(&packed[..packed.len() - 1]).is_err());
        assert_eq!(unpack_cells(&[]).unwrap(), Cells::default());
    }
}
