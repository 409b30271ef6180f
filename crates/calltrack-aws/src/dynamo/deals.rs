//! Deals and costs on DynamoDB (`deal` and `cost` items).

use super::*;

#[async_trait]
impl DealStore for DynamoStore {
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
}
