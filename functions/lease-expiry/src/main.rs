//! EventBridge schedule (every minute) -> end expired leases and count them in each pool's
//! health. Idempotent and safe while acquires run: the store only detaches slots whose
//! `available_at <= now`, which any acquire may take anyway (a lease ends at its expiry whether
//! or not this job runs; the job keeps slots tidy and the health counters current).
//! Each run also drains the alert outbox (`calltrack::alerts::drain`): missed-call alerts a
//! crash or an outage left undelivered go out within a minute.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use calltrack::numbers::{self, ExpiryReport};
use calltrack::ports::Ports;
use lambda_runtime::{service_fn, LambdaEvent};

/// One scheduled run: every tenant's pools, at the clock's now (not the event's time, which is
/// when the run was due).
async fn handle(
    ports: &Ports,
    event: &EventBridgeEvent,
) -> Result<ExpiryReport, lambda_runtime::Error> {
    let report = numbers::expire(&*ports.store, ports.clock.now()).await?;
    let alerts = calltrack::alerts::drain(ports).await?;
    tracing::info!(
        event_id = event.id.as_deref().unwrap_or(""),
        tenants = report.tenants,
        pools = report.pools,
        closed = report.closed,
        alerts_delivered = alerts,
        "expired leases closed, outbox drained"
    );
    Ok(report)
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let ports = calltrack_aws::ports_from_env().await?;
    let ports = &ports;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<EventBridgeEvent>| async move {
            handle(ports, &event.payload).await
        },
    ))
    .await
}

#[cfg(test)]
mod tests {
    use calltrack::model::*;
    use calltrack::ports::*;
    use calltrack_embedded::SqliteStore;

    use super::*;

    /// The scheduled event from events/ closes the leases that expired, once.
    #[tokio::test]
    async fn scheduled_event_closes_expired_leases_once() {
        let event: EventBridgeEvent = serde_json::from_str(include_str!(
            "../../../events/eventbridge-scheduled-lease-expiry.json"
        ))
        .unwrap();
        let store = std::sync::Arc::new(SqliteStore::in_memory().unwrap());
        let t = Tenant::new(TenantId::parse("acme").unwrap(), "Acme");
        store.put_tenant(&t).await.unwrap();
        let pool = PoolSettings::new(t.id.clone(), PoolId::parse("web").unwrap());
        store.put_pool(&pool).await.unwrap();
        for i in 0..3 {
            let n = TrackingNumber {
                number: PhoneNumber::parse(&format!("+1415867530{i}"), None).unwrap(),
                tenant: t.id.clone(),
                kind: NumberKind::Pool {
                    pool: pool.id.clone(),
                },
                forward_to: None,
            };
            store.put_number(&n).await.unwrap();
        }
        let start = chrono::DateTime::parse_from_rfc3339("2026-03-12T18:50:00Z")
            .unwrap()
            .to_utc();
        let clock = ManualClock::new(start);
        let ports = calltrack_embedded::with_store(
            store.clone(),
            &std::env::temp_dir().join(format!("ct-expiry-{}", std::process::id())),
            std::sync::Arc::new(clock.clone()),
        );
        for v in ["a", "b"] {
            let visit = Visit {
                visitor_id: v.into(),
                ..Visit::default()
            };
            numbers::acquire(&*store, &clock, &t, &pool, visit)
                .await
                .unwrap();
        }
        clock.set(start + chrono::Duration::minutes(19)); // leases last 15 minutes
        let report = handle(&ports, &event).await.unwrap();
        assert_eq!((report.tenants, report.pools, report.closed), (1, 1, 2));
        let again = handle(&ports, &event).await.unwrap();
        assert_eq!(again.closed, 0);
        let hour = start + chrono::Duration::minutes(10);
        let health = store
            .pool_health(&t.id, &pool.id, hour, hour + chrono::Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(health.iter().map(|(_, h)| h.expired).sum::<i64>(), 2);
    }
}
