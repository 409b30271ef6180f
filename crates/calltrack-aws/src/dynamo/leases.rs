//! Pool slots, leases and pool health on DynamoDB (`slot`, `lease` and `pool health` items).

use super::*;

#[async_trait]
impl LeaseStore for DynamoStore {
    /// A bucket is its own partition (`RL#{tenant}#{key}`), so a flood spreads over the
    /// per-source items and the tenant's sharded ones instead of one hot tenant item.
    async fn get_bucket(
        &self,
        tenant: &TenantId,
        k: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let Some(item) = self.get(key::bucket_pk(tenant, k), key::BUCKET_SK).await? else {
            return Ok(None);
        };
        let num = |f: &str| {
            item.get(f)
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse::<i64>().ok())
        };
        Ok(match (num("tat"), num("expires_at")) {
            (Some(tat), Some(exp)) if exp > ms(now) => Some(tat),
            _ => None,
        })
    }

    async fn put_bucket(
        &self,
        tenant: &TenantId,
        k: &str,
        tat_ms: i64,
        expected: Option<i64>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let item = Item::from([
            (PK.into(), s(key::bucket_pk(tenant, k))),
            (SK.into(), s(key::BUCKET_SK)),
            ("tat".into(), n(tat_ms)),
            ("expires_at".into(), n(ms(expires_at))),
            (TTL.into(), ttl(expires_at)),
        ]);
        let mut e = Expr::default();
        let cond = match expected {
            Some(old) => format!(
                "{} = {} AND {} > {}",
                e.name("tat"),
                e.value(n(old)),
                e.name("expires_at"),
                e.value(n(ms(now)))
            ),
            None => format!(
                "attribute_not_exists({}) OR {} <= {}",
                e.name(PK),
                e.name("expires_at"),
                e.value(n(ms(now)))
            ),
        };
        self.put_if(item, Some(&cond), e).await
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
        let update = format!(
            "SET {} = {}, {} = {}",
            e.name("expires_at"),
            e.value(n(ms(lease.expires_at))),
            e.name("last_seen_at"),
            e.value(n(ms(lease.last_seen_at)))
        );
        let mut items = vec![self.tx_update(
            key::lease_pk(&lease.id),
            key::LEASE_SK.into(),
            &update,
            Some(&cond),
            e,
        )?];
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

    async fn add_intent(&self, id: &LeaseId, intent: &Intent, max: usize) -> StoreResult<bool> {
        let mut e = Expr::default();
        let update = format!(
            "SET {i} = list_append(if_not_exists({i}, {}), {})",
            e.value(AttributeValue::L(vec![])),
            e.value(AttributeValue::L(vec![intent_value(intent)?])),
            i = e.name("intents"),
        );
        let cond = format!(
            "attribute_exists({}) AND (attribute_not_exists({i}) OR size({i}) < {})",
            e.name(PK),
            e.value(n(i64::try_from(max).unwrap_or(i64::MAX))),
            i = e.name("intents"),
        );
        self.update_if(
            key::lease_pk(id),
            key::LEASE_SK.into(),
            &update,
            Some(&cond),
            e,
        )
        .await
    }

    async fn leases_started_between(
        &self,
        tenant: &TenantId,
        number: &PhoneNumber,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Lease>> {
        let items = self
            .query_between(
                Some(GSI1),
                (GSI1PK, GSI1SK),
                key::leases_by_number_gsi1(tenant, number),
                key::ts(from),
                format!("{}$", key::ts(to)),
            )
            .await?;
        items.iter().map(lease_from).collect()
    }

    async fn close_expired(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
        now: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let expired = self.slots_free_at(tenant, pool, now).await?;
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
}
