//! The AI analysis of calls on Amazon Bedrock, through the Converse API: the model is made to
//! call one tool whose input schema is the answer's shape, so any model with forced tool use
//! (Anthropic Claude 3 and later, Amazon Nova, Mistral Large) answers in strict JSON.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_bedrockruntime::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_bedrockruntime::operation::converse::ConverseError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, InferenceConfiguration, Message,
    SpecificToolChoice, SystemContentBlock, Tool, ToolChoice, ToolConfiguration, ToolInputSchema,
    ToolSpecification,
};
use aws_sdk_bedrockruntime::Client;
use aws_smithy_types::{Document, Number};
use calltrack::ports::{AiAnalyser, AiError};
use calltrack::speech::ai::{AiReply, AiRequest};
use serde_json::Value;

/// One model (a foundation model id or an inference profile id), asked in one region.
pub struct BedrockAnalyser {
    client: Client,
    model: String,
}

impl BedrockAnalyser {
    /// `region` overrides the configuration's (Bedrock models are not in every region). A
    /// Converse call that takes longer than 45 s is given up (the function has 60).
    pub fn from_env(config: &aws_config::SdkConfig, model: String, region: Option<String>) -> Self {
        let mut b = aws_sdk_bedrockruntime::config::Builder::from(config).timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(45))
                .build(),
        );
        if let Some(r) = region.filter(|r| !r.is_empty()) {
            b = b.region(aws_config::Region::new(r));
        }
        Self {
            client: Client::from_conf(b.build()),
            model,
        }
    }
}

#[async_trait]
impl AiAnalyser for BedrockAnalyser {
    fn model(&self) -> Option<String> {
        Some(self.model.clone())
    }

    async fn ask(&self, req: &AiRequest) -> Result<AiReply, AiError> {
        let refused = |e: aws_smithy_types::error::operation::BuildError| {
            AiError::Refused(format!("the request could not be built: {e}"))
        };
        let tool = ToolSpecification::builder()
            .name(req.tool)
            .description(req.tool_description)
            .input_schema(ToolInputSchema::Json(to_document(&req.schema)))
            .build()
            .map_err(refused)?;
        let tools = ToolConfiguration::builder()
            .tools(Tool::ToolSpec(tool))
            .tool_choice(ToolChoice::Tool(
                SpecificToolChoice::builder()
                    .name(req.tool)
                    .build()
                    .map_err(refused)?,
            ))
            .build()
            .map_err(refused)?;
        let message = Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text(req.user.clone()))
            .build()
            .map_err(refused)?;
        let sent = self
            .client
            .converse()
            .model_id(&self.model)
            .system(SystemContentBlock::Text(req.system.clone()))
            .messages(message)
            .inference_config(
                InferenceConfiguration::builder()
                    .max_tokens(i32::try_from(req.max_tokens).unwrap_or(i32::MAX))
                    .temperature(0.0)
                    .build(),
            )
            .tool_config(tools)
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) => {
                let detail = || {
                    format!(
                        "{}: {}",
                        e.code().unwrap_or("error"),
                        e.message().unwrap_or("no message")
                    )
                };
                return Err(match e.as_service_error() {
                    Some(
                        ConverseError::AccessDeniedException(_)
                        | ConverseError::ResourceNotFoundException(_)
                        | ConverseError::ValidationException(_),
                    ) => AiError::Refused(detail()),
                    Some(_) => AiError::Unavailable(detail()),
                    None => AiError::Unavailable(DisplayErrorContext(&e).to_string()),
                });
            }
        };
        let mut reply = AiReply {
            stop_reason: out.stop_reason().as_str().to_string(),
            input_tokens: out
                .usage()
                .map_or(0, |u| u64::try_from(u.input_tokens()).unwrap_or(0)),
            output_tokens: out
                .usage()
                .map_or(0, |u| u64::try_from(u.output_tokens()).unwrap_or(0)),
            ..Default::default()
        };
        if let Some(ConverseOutput::Message(m)) = out.output() {
            for block in m.content() {
                match block {
                    ContentBlock::ToolUse(t) if t.name() == req.tool => {
                        reply.tool_input = Some(from_document(t.input()));
                    }
                    ContentBlock::Text(t) => reply.text.push_str(t),
                    _ => {}
                }
            }
        }
        Ok(reply)
    }
}

/// JSON as the SDK's document type (the tool's input schema).
fn to_document(v: &Value) -> Document {
    match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (None, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap_or(0.0)),
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        Value::Object(o) => {
            Document::Object(o.iter().map(|(k, v)| (k.clone(), to_document(v))).collect())
        }
    }
}

/// The SDK's document as JSON (the tool input the model gave).
fn from_document(d: &Document) -> Value {
    match d {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Array(a) => Value::Array(a.iter().map(from_document).collect()),
        Document::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), from_document(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_survives_the_document_round_trip() {
        let v = json!({"a": [1, -2, 2.5, "x", null, true], "b": {"c": {}}});
        assert_eq!(from_document(&to_document(&v)), v);
    }
}
