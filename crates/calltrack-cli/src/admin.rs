//! `calltrack tenant|number|pool add/show/set`: set a tenant up by hand, on either backend.

use calltrack::model::*;
use calltrack::tenants::{self, new_api_key};
use chrono::{Duration, Utc};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::backend;
use crate::exit::{print_json, CmdResult, Failure};
use crate::Globals;

#[derive(Debug, Subcommand)]
pub enum TenantCmd {
    /// Create a tenant (refused if it exists).
    Add(TenantAddArgs),
    /// Show a tenant's settings (secrets masked).
    Show { id: String },
    /// Change a tenant's settings, secrets or API key.
    Set(TenantSetArgs),
    /// Delete a tenant and all its data: settings, numbers, leases, calls, deals, costs,
    /// rollups, recordings, transcripts and reports. Needs --yes.
    Purge {
        id: String,
        /// Yes, delete it all (there is no undo).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct TenantAddArgs {
    pub id: String,
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub settings: TenantSettings,
    /// Let the snippet lease numbers from any site. Without it `tenant add` needs at least one
    /// `--origin`: a lease request is then refused unless it comes from one of them.
    #[arg(long, conflicts_with = "origins")]
    pub any_origin: bool,
}

#[derive(Debug, Args)]
pub struct TenantSetArgs {
    pub id: String,
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub settings: TenantSettings,
    /// Issue a new API key (printed once; the old one stops working).
    #[arg(long)]
    pub rotate_api_key: bool,
}

/// Settings shared by `tenant add` and `tenant set`; anything left out keeps its value.
#[derive(Debug, Args)]
pub struct TenantSettings {
    /// IANA time zone for report days (Europe/Moscow).
    #[arg(long)]
    pub timezone: Option<String>,
    /// ISO 4217 currency of revenue and costs.
    #[arg(long)]
    pub currency: Option<String>,
    /// Language of calls for transcription (ru-RU, en-US).
    #[arg(long)]
    pub language: Option<String>,
    /// ISO 3166 region for numbers written without a country code.
    #[arg(long)]
    pub region: Option<String>,
    /// The site key the snippet sends.
    #[arg(long)]
    pub site_key: Option<String>,
    /// An origin allowed to call the lease API (repeatable; replaces the list).
    #[arg(long = "origin")]
    pub origins: Vec<String>,
    /// A provider secret as provider=value: twilio (auth token), telnyx (public key), zadarma
    /// (API secret), zadarma_key (API key, to fetch recordings), mango (api_key:salt), generic,
    /// crm, amocrm (the secret in amoCRM's webhook URL), bitrix24 (the outbound webhook's
    /// application token), bitrix24_rest (the incoming webhook's URL, to read deals), alert.
    /// Repeatable.
    #[arg(long = "secret", value_parser = parse_kv)]
    pub secrets: Vec<(String, String)>,
    #[arg(long)]
    pub callback_sla_minutes: Option<u32>,
    #[arg(long)]
    pub short_call_seconds: Option<u32>,
    #[arg(long)]
    pub ring_timeout_seconds: Option<u32>,
    /// Share of answered calls that become deals (0..1), for the lost-revenue estimate.
    #[arg(long)]
    pub conversion: Option<f64>,
    /// Average deal value in major units, for the lost-revenue estimate.
    #[arg(long)]
    pub average_deal: Option<String>,
    /// The agent's recording channel (0 or 1).
    #[arg(long)]
    pub agent_channel: Option<u8>,
    /// A report recipient's email (repeatable; replaces the list).
    #[arg(long = "recipient")]
    pub recipients: Vec<String>,
    /// URL that receives a signed JSON alert per missed call.
    #[arg(long)]
    pub alert_webhook: Option<String>,
    /// A host generic-format recordings may be fetched from over https (`media.pbx.example`, or
    /// `.pbx.example` for its subdomains; repeatable, replaces the list; `-` clears it). None by
    /// default: generic recordings are not fetched.
    #[arg(long = "recording-host")]
    pub recording_hosts: Vec<String>,
    /// New snippet leases a minute from one source address (default 30; 0 = no limit).
    #[arg(long)]
    pub lease_rate: Option<u32>,
    /// New snippet leases a minute for the whole tenant (default 1200; 0 = no limit).
    #[arg(long)]
    pub tenant_lease_rate: Option<u32>,
    /// Generic and CRM events whose `at` is older than this are refused as replays (default
    /// 4320 = 3 days; 1 to 20160 = 14 days).
    #[arg(long)]
    pub replay_window_minutes: Option<u32>,
    /// Calls are deleted this many days after they started (default 730; 0 keeps them;
    /// rollups, deals and costs stay).
    #[arg(long)]
    pub retention_days: Option<u32>,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or("expected provider=value")?;
    let known = [
        "twilio",
        "telnyx",
        "zadarma",
        "zadarma_key",
        "mango",
        "generic",
        "crm",
        "amocrm",
        "bitrix24",
        "bitrix24_rest",
        "alert",
    ];
    if !known.contains(&k) {
        return Err(format!(
            "unknown secret '{k}' (one of {})",
            known.join(", ")
        ));
    }
    if k == "bitrix24_rest" && !v.is_empty() {
        calltrack::deals::bitrix24::Rest::parse(v).map_err(|e| format!("bitrix24_rest {e}"))?;
    }
    Ok((k.to_string(), v.to_string()))
}

fn invalid(e: Invalid) -> Failure {
    Failure::Invalid(e.to_string())
}

impl TenantSettings {
    fn apply(self, t: &mut Tenant) -> Result<(), Failure> {
        if let Some(v) = self.timezone {
            t.timezone = v;
        }
        if let Some(v) = self.currency {
            t.currency = Currency::parse(&v).map_err(invalid)?;
        }
        if let Some(v) = self.language {
            t.language = v;
        }
        if let Some(v) = self.region {
            t.region = v.to_ascii_uppercase();
        }
        if let Some(v) = self.site_key {
            t.site_key = Some(v).filter(|s| !s.is_empty());
        }
        if !self.origins.is_empty() {
            t.allowed_origins = self.origins;
        }
        for (k, v) in self.secrets {
            if v.is_empty() {
                t.provider_secrets.remove(&k);
            } else {
                t.provider_secrets.insert(k, v);
            }
        }
        if let Some(v) = self.callback_sla_minutes {
            t.callback_sla_minutes = v;
        }
        if let Some(v) = self.short_call_seconds {
            t.short_call_seconds = v;
        }
        if let Some(v) = self.ring_timeout_seconds {
            t.ring_timeout_seconds = v;
        }
        if let Some(v) = self.conversion {
            if !(0.0..=1.0).contains(&v) {
                return Err(Failure::Invalid(
                    "conversion: must be between 0 and 1".into(),
                ));
            }
            t.loss.conversion_bp = (v * 10_000.0).round() as u32;
        }
        if let Some(v) = self.average_deal {
            t.loss.average_deal_minor = t.currency.parse_major(&v).map_err(invalid)?;
        }
        if let Some(v) = self.agent_channel {
            t.agent_channel = v;
        }
        if !self.recipients.is_empty() {
            t.report_recipients = self.recipients;
        }
        if let Some(v) = self.alert_webhook {
            t.alert_webhook = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = self.lease_rate {
            t.lease_rate.per_source_per_minute = v;
        }
        if let Some(v) = self.tenant_lease_rate {
            t.lease_rate.per_tenant_per_minute = v;
        }
        if let Some(v) = self.replay_window_minutes {
            t.replay_window_minutes = v;
        }
        if let Some(v) = self.retention_days {
            t.retention_days = v;
        }
        if !self.recording_hosts.is_empty() {
            t.recording_hosts = self
                .recording_hosts
                .into_iter()
                .filter(|h| h != "-")
                .map(|h| h.to_ascii_lowercase())
                .collect();
        }
        t.validate().map_err(invalid)
    }
}

/// A tenant as shown to people: secrets reduced to their first characters.
fn tenant_view(t: &Tenant) -> serde_json::Value {
    let mut v = serde_json::to_value(t).unwrap_or_default();
    if let Some(m) = v
        .get_mut("provider_secrets")
        .and_then(|s| s.as_object_mut())
    {
        for val in m.values_mut() {
            let s = val.as_str().unwrap_or("");
            *val = json!(format!("{}…", s.chars().take(4).collect::<String>()));
        }
    }
    if let Some(m) = v.as_object_mut() {
        m.insert(
            "api_key_hash".into(),
            json!(t.api_key_hash.as_ref().map(|_| "set")),
        );
    }
    v
}

pub async fn tenant(g: &Globals, cmd: TenantCmd) -> CmdResult {
    let ports = backend::open(g).await?;
    let store = &*ports.store;
    match cmd {
        TenantCmd::Purge { id, yes } => {
            let id = TenantId::parse(&id).map_err(invalid)?;
            if !yes {
                return Err(Failure::Usage(format!(
                    "tenant purge deletes every record and recording of '{id}' with no undo; \
                     add --yes"
                )));
            }
            if store.get_tenant(&id).await?.is_none() {
                return Err(Failure::Invalid(format!("no tenant '{id}'")));
            }
            let purged = tenants::purge(&ports, &id)
                .await
                .map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?;
            let v = json!({"tenant": id, "records": purged.records, "blobs": purged.blobs});
            if g.json {
                return print_json(&v);
            }
            println!(
                "purged tenant {id}: {} records, {} blobs",
                purged.records, purged.blobs
            );
            Ok(())
        }
        TenantCmd::Add(a) => {
            let id = TenantId::parse(&a.id).map_err(invalid)?;
            if store.get_tenant(&id).await?.is_some() {
                return Err(Failure::Invalid(format!(
                    "tenant '{id}' exists; use `calltrack tenant set`"
                )));
            }
            if a.settings.origins.is_empty() && !a.any_origin {
                return Err(Failure::Invalid(
                    "origin: give the site that embeds the snippet with --origin https://... \
                     (repeatable), or --any-origin to let any site lease numbers"
                        .into(),
                ));
            }
            let mut t = Tenant::new(id.clone(), &a.name);
            a.settings.apply(&mut t)?;
            let (key, hash) = new_api_key(&id);
            t.api_key_hash = Some(hash);
            tenants::save(store, &t).await.map_err(store_failure)?;
            show_with_key(g, &t, Some(&key))
        }
        TenantCmd::Show { id } => {
            let id = TenantId::parse(&id).map_err(invalid)?;
            let t = store
                .get_tenant(&id)
                .await?
                .ok_or_else(|| Failure::Invalid(format!("no tenant '{id}'")))?;
            show_with_key(g, &t, None)
        }
        TenantCmd::Set(a) => {
            let id = TenantId::parse(&a.id).map_err(invalid)?;
            let mut t = store
                .get_tenant(&id)
                .await?
                .ok_or_else(|| Failure::Invalid(format!("no tenant '{id}'")))?;
            if let Some(n) = a.name {
                t.name = n;
            }
            a.settings.apply(&mut t)?;
            let key = a.rotate_api_key.then(|| {
                let (key, hash) = new_api_key(&id);
                t.api_key_hash = Some(hash);
                key
            });
            tenants::save(store, &t).await.map_err(store_failure)?;
            show_with_key(g, &t, key.as_deref())
        }
    }
}

fn store_failure(e: calltrack::ports::StoreError) -> Failure {
    match e {
        calltrack::ports::StoreError::Invalid(i) => invalid(i),
        calltrack::ports::StoreError::Conflict(m) => Failure::Invalid(m),
        other => Failure::Other(other.into()),
    }
}

fn show_with_key(g: &Globals, t: &Tenant, key: Option<&str>) -> CmdResult {
    let mut v = tenant_view(t);
    if let (Some(k), Some(m)) = (key, v.as_object_mut()) {
        m.insert("api_key".into(), json!(k));
    }
    if g.json {
        return print_json(&v);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&v).map_err(anyhow::Error::from)?
    );
    if key.is_some() {
        eprintln!("The API key above is shown once; store it now (only its hash is kept).");
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum NumberCmd {
    /// Add (or update) a tracking number: static with its source, or a member of a pool.
    Add(NumberAddArgs),
    /// List a tenant's numbers.
    List { tenant: String },
}

#[derive(Debug, Args)]
pub struct NumberAddArgs {
    pub tenant: String,
    /// The tracking number (E.164, or national for the tenant's region).
    pub number: String,
    /// A fixed number for one offline or low-detail source.
    #[arg(long, requires = "source", conflicts_with = "pool")]
    pub r#static: bool,
    /// The static number's source (billboard, flyer, radio).
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long)]
    pub medium: Option<String>,
    #[arg(long)]
    pub campaign: Option<String>,
    /// The DNI pool the number joins.
    #[arg(long)]
    pub pool: Option<String>,
    /// The business line calls are forwarded to.
    #[arg(long)]
    pub forward_to: Option<String>,
}

pub async fn number(g: &Globals, cmd: NumberCmd) -> CmdResult {
    let ports = backend::open(g).await?;
    let store = &*ports.store;
    match cmd {
        NumberCmd::Add(a) => {
            let tid = TenantId::parse(&a.tenant).map_err(invalid)?;
            let t = store
                .get_tenant(&tid)
                .await?
                .ok_or_else(|| Failure::Invalid(format!("no tenant '{tid}'")))?;
            let number = PhoneNumber::parse(&a.number, Some(&t.region)).map_err(invalid)?;
            let kind = match (a.r#static || a.source.is_some(), a.pool) {
                (true, None) => NumberKind::Static {
                    source: a.source.unwrap_or_default().trim().to_lowercase(),
                    medium: a.medium,
                    campaign: a.campaign,
                },
                (false, Some(p)) => {
                    let pool = PoolId::parse(&p).map_err(invalid)?;
                    if store.get_pool(&tid, &pool).await?.is_none() {
                        return Err(Failure::Invalid(format!(
                            "no pool '{pool}'; add it with `calltrack pool add`"
                        )));
                    }
                    NumberKind::Pool { pool }
                }
                _ => {
                    return Err(Failure::Usage(
                        "give either --static --source NAME or --pool POOL".into(),
                    ))
                }
            };
            if let NumberKind::Static { source, .. } = &kind {
                if source.is_empty() {
                    return Err(Failure::Invalid("source: must not be empty".into()));
                }
            }
            let forward_to = a
                .forward_to
                .map(|f| PhoneNumber::parse(&f, Some(&t.region)))
                .transpose()
                .map_err(invalid)?;
            let n = TrackingNumber {
                number,
                tenant: tid,
                kind,
                forward_to,
            };
            store.put_number(&n).await.map_err(store_failure)?;
            if g.json {
                print_json(&n)
            } else {
                println!("added {} for {}", n.number, n.tenant);
                Ok(())
            }
        }
        NumberCmd::List { tenant } => {
            let tid = TenantId::parse(&tenant).map_err(invalid)?;
            let list = store.list_numbers(&tid).await?;
            if g.json {
                return print_json(&list);
            }
            for n in list {
                let what = match &n.kind {
                    NumberKind::Static { source, .. } => format!("static {source}"),
                    NumberKind::Pool { pool } => format!("pool {pool}"),
                };
                let fwd = n.forward_to.map(|f| format!(" -> {f}")).unwrap_or_default();
                println!("{}  {what}{fwd}", n.number);
            }
            Ok(())
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Exhaustion {
    ShareOldest,
    DefaultNumber,
}

#[derive(Debug, Args)]
pub struct PoolAddArgs {
    pub tenant: String,
    pub pool: String,
    #[arg(long)]
    pub lease_minutes: Option<u32>,
    #[arg(long)]
    pub max_session_minutes: Option<u32>,
    #[arg(long)]
    pub grace_minutes: Option<u32>,
    #[arg(long)]
    pub cooldown_minutes: Option<u32>,
    /// What to do when every number is leased.
    #[arg(long, value_enum)]
    pub exhaustion: Option<Exhaustion>,
    /// Shown to bots and on exhaustion with default-number.
    #[arg(long)]
    pub default_number: Option<String>,
    /// Never hand out a number inside its cool-down (precision over coverage).
    #[arg(long)]
    pub hard_cooldown: bool,
    /// With share-oldest: live leases one number may carry at once (default 3; 0 = no cap).
    #[arg(long)]
    pub max_sharing: Option<u32>,
}

pub async fn pool_add(g: &Globals, a: PoolAddArgs) -> CmdResult {
    let ports = backend::open(g).await?;
    let store = &*ports.store;
    let tid = TenantId::parse(&a.tenant).map_err(invalid)?;
    let t = store
        .get_tenant(&tid)
        .await?
        .ok_or_else(|| Failure::Invalid(format!("no tenant '{tid}'")))?;
    let id = PoolId::parse(&a.pool).map_err(invalid)?;
    let mut p = store
        .get_pool(&tid, &id)
        .await?
        .unwrap_or_else(|| PoolSettings::new(tid.clone(), id));
    if let Some(v) = a.lease_minutes {
        p.lease_minutes = v;
    }
    if let Some(v) = a.max_session_minutes {
        p.max_session_minutes = v;
    }
    if let Some(v) = a.grace_minutes {
        p.grace_minutes = v;
    }
    if let Some(v) = a.cooldown_minutes {
        p.cooldown_minutes = v;
    }
    if let Some(e) = a.exhaustion {
        p.exhaustion = match e {
            Exhaustion::ShareOldest => ExhaustionPolicy::ShareOldest,
            Exhaustion::DefaultNumber => ExhaustionPolicy::DefaultNumber,
        };
    }
    if a.hard_cooldown {
        p.selection = Selection::LruHardCooldown;
    }
    if let Some(v) = a.max_sharing {
        p.max_sharing = v;
    }
    if let Some(d) = a.default_number {
        p.default_number = Some(PhoneNumber::parse(&d, Some(&t.region)).map_err(invalid)?);
    }
    if p.lease_minutes == 0 || p.max_session_minutes < p.lease_minutes {
        return Err(Failure::Invalid(
            "lease_minutes: must be at least 1 and at most max_session_minutes".into(),
        ));
    }
    if p.exhaustion == ExhaustionPolicy::DefaultNumber && p.default_number.is_none() {
        return Err(Failure::Invalid(
            "default_number: required with --exhaustion default-number".into(),
        ));
    }
    store.put_pool(&p).await.map_err(store_failure)?;
    if g.json {
        print_json(&p)
    } else {
        println!("pool {} of {} saved", p.id, p.tenant);
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct PoolShowArgs {
    pub tenant: String,
    pub pool: String,
}

pub async fn pool_show(g: &Globals, a: PoolShowArgs) -> CmdResult {
    let ports = backend::open(g).await?;
    let store = &*ports.store;
    let tid = TenantId::parse(&a.tenant).map_err(invalid)?;
    let id = PoolId::parse(&a.pool).map_err(invalid)?;
    let p = store
        .get_pool(&tid, &id)
        .await?
        .ok_or_else(|| Failure::Invalid(format!("no pool '{id}' for '{tid}'")))?;
    let now = Utc::now();
    let slots = store.all_slots(&tid, &id).await?;
    let health = store
        .pool_health(&tid, &id, now - Duration::days(1), now + Duration::hours(1))
        .await?;
    let mut day = PoolHealth::default();
    for (_, h) in &health {
        day.acquires += h.acquires;
        day.exhaustions += h.exhaustions;
        day.early_reuses += h.early_reuses;
        day.expired += h.expired;
    }
    let leased = slots.iter().filter(|s| s.available_at > now).count();
    let v = json!({
        "pool": p,
        "numbers": slots.iter().map(|s| json!({
            "number": s.number, "leased": s.available_at > now, "available_at": s.available_at, "lease_id": s.lease_id,
        })).collect::<Vec<_>>(),
        "leased_now": leased,
        "last_24h": day,
    });
    if g.json {
        return print_json(&v);
    }
    println!(
        "pool {} of {}: {} numbers, {} leased now; last 24 h: {} acquires, {} exhaustions, {} early reuses",
        p.id,
        p.tenant,
        slots.len(),
        leased,
        day.acquires,
        day.exhaustions,
        day.early_reuses
    );
    Ok(())
}

/// `calltrack migrate`: brings stored data to this version's formats, idempotently: every tenant
/// is written again, so secrets stored before sealing existed are sealed (reads accept both, so
/// it may run before or after the deploy; see docs/deploy.md); calls analysed before the
/// problem index existed are indexed, so reports list them; and calls counted before reports
/// by dimension or the sketch cells existed are counted in full.
pub async fn migrate(g: &Globals) -> CmdResult {
    let ports = backend::open(g).await?;
    let store = &*ports.store;
    let list = store.list_tenants().await?;
    let (mut indexed, mut recounted) = (0, 0);
    for t in &list {
        store.put_tenant(t).await?;
        indexed += calltrack::report::index_problems(store, t).await?;
        recounted += calltrack::calls::count_in_full(store, t)
            .await
            .map_err(|e| anyhow::anyhow!("counting {}'s calls in full: {e}", t.id))?;
    }
    let v = json!({"tenants_sealed": list.len(), "problem_calls_indexed": indexed,
                   "calls_counted_in_full": recounted});
    if g.json {
        return print_json(&v);
    }
    println!(
        "migrate: {} tenant(s) written with sealed secrets; {indexed} analysed call(s) in the problem index; \
         {recounted} call(s) counted in full (dimensions, unique callers, time to return)",
        list.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_kv;

    #[test]
    fn a_bitrix24_rest_secret_must_be_an_incoming_webhook_url() {
        let url = "https://acme.bitrix24.ru/rest/1/k3y/";
        assert_eq!(
            parse_kv(&format!("bitrix24_rest={url}")),
            Ok(("bitrix24_rest".into(), url.into()))
        );
        let e = parse_kv("bitrix24_rest=http://acme.bitrix24.ru/rest/1/k3y/").unwrap_err();
        assert!(e.starts_with("bitrix24_rest must be"), "{e}");
        assert!(parse_kv("bitrix24_rest=").is_ok(), "empty removes it");
        assert!(parse_kv("bitrix=x").is_err());
    }
}
