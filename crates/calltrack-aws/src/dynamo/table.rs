//! Creating the table from `infra/dynamodb-table.json`, the one definition that the SAM
//! template, the tests and `calltrack --backend aws` setups share.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use calltrack::ports::{StoreError, StoreResult};
use serde_json::Value;

/// The table definition in CloudFormation's `AWS::DynamoDB::Table` property names (without
/// `TableName`): paste it under `Properties` in a template, or hand it to `create_table`.
pub const TABLE_DEFINITION: &str = include_str!("../../../../infra/dynamodb-table.json");

fn bad(what: &str) -> StoreError {
    StoreError::Corrupt(format!("infra/dynamodb-table.json: {what}"))
}

fn str_at<'a>(v: &'a Value, field: &str) -> StoreResult<&'a str> {
    v.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(&format!("missing {field}")))
}

fn array_at<'a>(v: &'a Value, field: &str) -> StoreResult<&'a [Value]> {
    Ok(v.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default())
}

fn key_schema(v: &Value) -> StoreResult<Vec<KeySchemaElement>> {
    array_at(v, "KeySchema")?
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(str_at(k, "AttributeName")?)
                .key_type(KeyType::from(str_at(k, "KeyType")?))
                .build()
                .map_err(|e| bad(&e.to_string()))
        })
        .collect()
}

/// Creates `table` as defined in `TABLE_DEFINITION` and turns its TTL on. An existing table is
/// left as it is.
pub(crate) async fn create_table(client: &Client, table: &str) -> StoreResult<()> {
    let def: Value = serde_json::from_str(TABLE_DEFINITION).map_err(|e| bad(&e.to_string()))?;
    let attrs = array_at(&def, "AttributeDefinitions")?
        .iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(str_at(a, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(str_at(a, "AttributeType")?))
                .build()
                .map_err(|e| bad(&e.to_string()))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let gsis = array_at(&def, "GlobalSecondaryIndexes")?
        .iter()
        .map(|g| {
            let projection = g
                .get("Projection")
                .ok_or_else(|| bad("missing Projection"))?;
            GlobalSecondaryIndex::builder()
                .index_name(str_at(g, "IndexName")?)
                .set_key_schema(Some(key_schema(g)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(str_at(
                            projection,
                            "ProjectionType",
                        )?))
                        .build(),
                )
                .build()
                .map_err(|e| bad(&e.to_string()))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let created = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::from(str_at(&def, "BillingMode")?))
        .set_attribute_definitions(Some(attrs))
        .set_key_schema(Some(key_schema(&def)?))
        .set_global_secondary_indexes(Some(gsis))
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) =>
        {
            return Ok(())
        }
        Err(e) => return Err(super::unavailable(e)),
    }
    // Wait until the table is usable (immediate on emulators, seconds on AWS).
    for _ in 0..120 {
        let d = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(super::unavailable)?;
        let active = d
            .table()
            .and_then(|t| t.table_status())
            .is_some_and(|s| s.as_str() == "ACTIVE");
        if active {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    if let Some(t) = def.get("TimeToLiveSpecification") {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(str_at(t, "AttributeName")?)
            .enabled(t.get("Enabled").and_then(Value::as_bool).unwrap_or(true))
            .build()
            .map_err(|e| bad(&e.to_string()))?;
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(super::unavailable)?;
    }
    Ok(())
}
