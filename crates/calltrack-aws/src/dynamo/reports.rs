//! Rollups as reports read them, and once-only claims, on DynamoDB.

use super::*;

#[async_trait]
impl ReportStore for DynamoStore {
    async fn rollups_between(
        &self,
        tenant: &TenantId,
        dimension: Dimension,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Rollup>> {
        let start = key::rollup_sk(dimension, from, "");
        let mut end = key::rollup_sk(dimension, to, "");
        end.pop();
        end.push('$');
        let items = self
            .query_between(None, (PK, SK), key::tenant_pk(tenant), start, end)
            .await?;
        items.iter().map(rollup_from).collect()
    }

    async fn cells_between(
        &self,
        tenant: &TenantId,
        dimension: Dimension,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<RollupCells>> {
        let start = key::cells_sk(dimension, from, "");
        let mut end = key::cells_sk(dimension, to, "");
        end.pop();
        end.push('$');
        let items = self
            .query_between(None, (PK, SK), key::tenant_pk(tenant), start, end)
            .await?;
        let mut by: std::collections::BTreeMap<String, Cells> = Default::default();
        for i in &items {
            let (group, cells) = cells_from(i)?;
            by.entry(group).or_default().merge(&cells);
        }
        // A group whose cells sum to nothing reads as no group (as in SQLite).
        Ok(by
            .into_iter()
            .filter(|(_, cells)| !cells.is_empty())
            .map(|(group, cells)| RollupCells { group, cells })
            .collect())
    }

    async fn problems_between(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
        per_day: usize,
    ) -> StoreResult<Vec<ProblemCall>> {
        let mut out = vec![];
        let mut day = from;
        while day <= to {
            let mut e = Expr::default();
            let cond = format!(
                "{} = {} AND begins_with({}, {})",
                e.name(PK),
                e.value(s(key::tenant_pk(tenant))),
                e.name(SK),
                e.value(s(format!("PROBLEM#{day}#")))
            );
            out.extend(docs::<ProblemCall>(
                &self.query(None, &cond, e, true, Some(per_day)).await?,
            )?);
            day += chrono::Duration::days(1);
        }
        Ok(out)
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

    async fn has_claim(&self, tenant: &TenantId, k: &str) -> StoreResult<bool> {
        Ok(self
            .get(key::tenant_pk(tenant), &key::claim_sk(k))
            .await?
            .is_some())
    }
}
