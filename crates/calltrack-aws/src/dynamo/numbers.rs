//! The number directory and pool settings on DynamoDB (`number` and `pool` items).

use super::*;

#[async_trait]
impl NumberStore for DynamoStore {
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

    async fn put_pool(&self, pool: &PoolSettings) -> StoreResult<()> {
        let item = Item::from([
            (PK.into(), s(key::tenant_pk(&pool.tenant))),
            (SK.into(), s(key::pool_sk(&pool.id))),
            (DOC.into(), to_doc(pool)?),
        ]);
        self.put_if(item, None, Expr::default()).await.map(|_| ())
    }

    async fn get_pool(
        &self,
        tenant: &TenantId,
        pool: &PoolId,
    ) -> StoreResult<Option<PoolSettings>> {
        self.get(key::tenant_pk(tenant), &key::pool_sk(pool))
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn list_pools(&self, tenant: &TenantId) -> StoreResult<Vec<PoolSettings>> {
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
}
