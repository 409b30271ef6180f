//! Calls and the unit of work on DynamoDB (`call`, `claim` and `rollup` items in one transaction).

use super::*;

#[async_trait]
impl CallStore for DynamoStore {
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

    async fn calls_page(
        &self,
        tenant: &TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<&CallCursor>,
        limit: usize,
    ) -> StoreResult<Vec<Call>> {
        let last = to - chrono::Duration::milliseconds(1);
        // GSI1SK is `{ts}#{id}`: the first key after the cursor's is that key plus "\0".
        let lo = match after {
            Some(c) => format!("{}#{}\0", key::ts(c.started_at), c.id).max(key::ts(from)),
            None => key::ts(from),
        };
        let hi = format!("{}$", key::ts(last));
        if lo > hi || limit == 0 {
            return Ok(vec![]);
        }
        let mut e = Expr::default();
        let cond = format!(
            "{} = {} AND {} BETWEEN {} AND {}",
            e.name(GSI1PK),
            e.value(s(key::calls_gsi1(tenant))),
            e.name(GSI1SK),
            e.value(s(lo)),
            e.value(s(hi))
        );
        docs(&self.query(Some(GSI1), &cond, e, true, Some(limit)).await?)
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

    /// Nothing to do here: every call, lease and problem item carries `ttl`, and DynamoDB
    /// deletes them.
    async fn delete_expired(&self, _tenant: &Tenant, _now: DateTime<Utc>) -> StoreResult<u64> {
        Ok(0)
    }

    async fn first_calls_with(
        &self,
        tenant: &TenantId,
        caller: &PhoneNumber,
        limit: usize,
    ) -> StoreResult<Vec<Call>> {
        let mut e = Expr::default();
        let cond = format!(
            "{} = {}",
            e.name(GSI2PK),
            e.value(s(key::calls_by_caller_gsi2(tenant, caller))),
        );
        docs(&self.query(Some(GSI2), &cond, e, true, Some(limit)).await?)
    }

    async fn commit(&self, commit: &Commit) -> StoreResult<CommitOutcome> {
        let tenant = commit.tenant_id()?;
        let mut items = Vec::new();
        if let Some(ev) = &commit.event {
            let (item, cond, e) = self.claim_put(&ev.tenant, &ev.key, ev.expires_at);
            items.push(self.tx_put(item, Some(&cond), e)?);
        }
        for w in &commit.calls {
            let call = &w.call;
            let mut e = Expr::default();
            let cond = match w.expected_version {
                None => format!("attribute_not_exists({})", e.name(PK)),
                Some(v) => format!("{} = {}", e.name("version"), e.value(n(v as i64))),
            };
            items.push(self.tx_put(call_item(call)?, Some(&cond), e)?);
        }
        if let Some(w) = &commit.deal {
            let deal = &w.deal;
            let mut e = Expr::default();
            let cond = match &w.expected {
                None => format!("attribute_not_exists({})", e.name(PK)),
                Some(old) => format!("{} = {}", e.name("version"), e.value(n(old.version as i64))),
            };
            items.push(self.tx_put(deal_item(deal)?, Some(&cond), e)?);
        }
        if let Some(t) = &tenant {
            items.extend(self.rollup_updates(t, &commit.rollups)?);
            for p in &commit.problems {
                let new_sk = p.new.as_ref().map(key::problem_sk);
                if let Some(old) = &p.old {
                    let old_sk = key::problem_sk(old);
                    // One action per item: an unchanged key is just the put below.
                    if new_sk.as_ref() != Some(&old_sk) {
                        items.push(self.tx_delete(
                            key::tenant_pk(t),
                            old_sk,
                            None,
                            Expr::default(),
                        )?);
                    }
                }
                if let Some(new) = &p.new {
                    items.push(self.tx_put(problem_item(t, new)?, None, Expr::default())?);
                }
            }
        }
        for o in &commit.outbox {
            // Written only if absent, without a condition (a failed one would cancel the
            // whole transaction): every attribute `if_not_exists`.
            let mut e = Expr::default();
            let set = |e: &mut Expr, name: &str, v: AttributeValue| {
                let n = e.name(name);
                format!("{n} = if_not_exists({n}, {})", e.value(v))
            };
            let update = format!(
                "SET {}, {}, {}",
                set(&mut e, DOC, to_doc(o)?),
                set(&mut e, GSI1PK, s(key::OUTBOX_GSI1)),
                set(&mut e, GSI1SK, s(key::outbox_gsi1sk(o))),
            );
            items.push(self.tx_update(
                key::tenant_pk(&o.tenant),
                key::outbox_sk(&o.key),
                &update,
                None,
                e,
            )?);
        }
        // The domain sizes its units of work by this count (`Commit::actions`): keep them equal.
        debug_assert_eq!(items.len(), commit.actions(), "{commit:?}");
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

    async fn outbox_due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<OutboxItem>> {
        let mut e = Expr::default();
        let cond = format!(
            "{} = {} AND {} < {}",
            e.name(GSI1PK),
            e.value(s(key::OUTBOX_GSI1)),
            e.name(GSI1SK),
            e.value(s(key::ts(now + chrono::Duration::milliseconds(1))))
        );
        docs(&self.query(Some(GSI1), &cond, e, true, Some(limit)).await?)
    }

    async fn outbox_settle(
        &self,
        item: &OutboxItem,
        retry: Option<&OutboxItem>,
    ) -> StoreResult<()> {
        match retry {
            None => {
                let del = self.tx_delete(
                    key::tenant_pk(&item.tenant),
                    key::outbox_sk(&item.key),
                    None,
                    Expr::default(),
                )?;
                self.transact(vec![del]).await?;
            }
            Some(r) => {
                let row = Item::from([
                    (PK.into(), s(key::tenant_pk(&r.tenant))),
                    (SK.into(), s(key::outbox_sk(&r.key))),
                    (DOC.into(), to_doc(r)?),
                    (GSI1PK.into(), s(key::OUTBOX_GSI1)),
                    (GSI1SK.into(), s(key::outbox_gsi1sk(r))),
                ]);
                self.put_if(row, None, Expr::default()).await?;
            }
        }
        Ok(())
    }
}
