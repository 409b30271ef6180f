//! Tenants and their site keys on DynamoDB (the `tenant` and `site key` items).

use super::*;

#[async_trait]
impl TenantStore for DynamoStore {
    async fn put_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
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
}
