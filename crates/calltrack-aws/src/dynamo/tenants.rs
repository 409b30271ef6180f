//! Tenants and their site keys on DynamoDB (the `tenant` and `site key` items).

use super::*;

#[async_trait]
impl TenantStore for DynamoStore {
    async fn put_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        let stored = self.sealed(tenant).await?;
        let public = calltrack::secrets::public_copy(tenant);
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
            items.push(self.tx_put(Self::tenant_item(&stored)?, Some(&cond), e)?);

            let mut site_key_at = None;
            if let Some(k) = &tenant.site_key {
                let item = Item::from([
                    (PK.into(), s(key::site_key_pk(k))),
                    (SK.into(), s(key::SITE_KEY_SK)),
                    ("tenant".into(), s(tenant.id.as_str())),
                    // The snippet's hot path reads this copy: no secrets, sealed or not.
                    (DOC.into(), to_doc(&public)?),
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
        match self.get(key::tenant_pk(id), key::TENANT_SK).await? {
            Some(i) => Ok(Some(self.opened(from_doc(&i)?).await?)),
            None => Ok(None),
        }
    }

    async fn tenant_by_site_key(&self, site_key: &str) -> StoreResult<Option<Tenant>> {
        self.get(key::site_key_pk(site_key), key::SITE_KEY_SK)
            .await?
            .map(|i| from_doc(&i))
            .transpose()
    }

    async fn purge_tenant(&self, id: &TenantId) -> StoreResult<u64> {
        // Outside the tenant's partition: its site key, its numbers and their leases (rate
        // buckets expire by TTL within minutes and are not enumerable without a scan).
        let mut doomed: Vec<(String, String)> = Vec::new();
        let key_of = |i: &Item| -> StoreResult<(String, String)> {
            Ok((get_s(i, PK)?.to_string(), get_s(i, SK)?.to_string()))
        };
        let tenant_item = self.get(key::tenant_pk(id), key::TENANT_SK).await?;
        if let Some(t) = &tenant_item {
            if let Some(k) = opt_s(t, "site_key")? {
                doomed.push((key::site_key_pk(k), key::SITE_KEY_SK.to_string()));
            }
        }
        for n in self
            .query_partition(GSI1, GSI1PK, key::numbers_gsi1(id))
            .await?
        {
            let number = from_doc::<TrackingNumber>(&n)?.number;
            for l in self
                .query_partition(GSI1, GSI1PK, key::leases_by_number_gsi1(id, &number))
                .await?
            {
                doomed.push(key_of(&l)?);
            }
            doomed.push(key_of(&n)?);
        }
        let mut e = Expr::default();
        let cond = format!("{} = {}", e.name(PK), e.value(s(key::tenant_pk(id))));
        for i in self.query(None, &cond, e, true, None).await? {
            doomed.push(key_of(&i)?);
        }
        // The tenant item last: a purge cut short can be run again and finds the rest.
        let tenant_key = (key::tenant_pk(id), key::TENANT_SK.to_string());
        doomed.retain(|k| *k != tenant_key);
        if tenant_item.is_some() {
            doomed.push(tenant_key);
        }
        let removed = doomed.len() as u64;
        for chunk in doomed.chunks(25) {
            let items = chunk
                .iter()
                .map(|(pk, sk)| self.tx_delete(pk.clone(), sk.clone(), None, Expr::default()))
                .collect::<StoreResult<Vec<_>>>()?;
            self.transact(items).await?;
        }
        Ok(removed)
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let stored: Vec<Tenant> = docs(
            &self
                .query_partition(GSI1, GSI1PK, key::TENANTS_GSI1.into())
                .await?,
        )?;
        let mut out = Vec::with_capacity(stored.len());
        for t in stored {
            out.push(self.opened(t).await?);
        }
        Ok(out)
    }
}

impl DynamoStore {
    /// The tenant document to write: secrets sealed. Without a sealer a tenant with secrets is
    /// refused rather than written in the clear.
    async fn sealed(&self, tenant: &Tenant) -> StoreResult<Tenant> {
        match &self.sealer {
            Some(s) => calltrack::secrets::sealed(&**s, tenant).await,
            None if tenant.provider_secrets.is_empty() => Ok(tenant.clone()),
            None => Err(StoreError::Unavailable(
                "tenant secrets are sealed with the stack's KMS key: set SECRETS_KEY_ID".into(),
            )),
        }
    }

    async fn opened(&self, doc: Tenant) -> StoreResult<Tenant> {
        match (&self.sealer, &doc.sealed_secrets) {
            (Some(s), _) => calltrack::secrets::opened(&**s, doc).await,
            (None, None) => Ok(doc),
            (None, Some(_)) => Err(StoreError::Unavailable(
                "tenant secrets are sealed: set SECRETS_KEY_ID to open them".into(),
            )),
        }
    }
}
