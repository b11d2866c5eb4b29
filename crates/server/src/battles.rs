//! Battle executors: where a duel's battle is computed, behind one interface. The
//! in-process executor (the default) calls the pure battle function directly; the
//! Lambda executor invokes the `shonen-lambda` function (crates/lambda), which runs
//! the same function, so both give identical results for the same input.
//!
//! `SHONEN_BATTLE_EXECUTOR=lambda` with `SHONEN_BATTLE_LAMBDA=<function name>` picks
//! Lambda; credentials and region come from the standard AWS chain, and
//! `SHONEN_LAMBDA_ENDPOINT` points the SDK at another endpoint (tests).

use anyhow::Context;
use aws_sdk_lambda::primitives::Blob;
use shonen_rules::{Battle, DuelInput};

pub enum Executor {
    InProcess,
    Lambda(LambdaExecutor),
}

impl Executor {
    /// The executor the configuration names.
    pub async fn from_config(config: &crate::config::Config) -> anyhow::Result<Executor> {
        match config.battle_executor.as_str() {
            "" | "in-process" | "in_process" | "local" => Ok(Executor::InProcess),
            "lambda" => {
                let function = config
                    .battle_lambda
                    .clone()
                    .filter(|f| !f.is_empty())
                    .context("SHONEN_BATTLE_EXECUTOR=lambda needs SHONEN_BATTLE_LAMBDA")?;
                Ok(Executor::Lambda(
                    LambdaExecutor::from_env(function, config.lambda_endpoint.clone()).await,
                ))
            }
            other => {
                anyhow::bail!("SHONEN_BATTLE_EXECUTOR {other:?} is not one of in-process, lambda")
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Executor::InProcess => "in-process",
            Executor::Lambda(_) => "lambda",
        }
    }

    /// Computes the battle. Errors (an unreachable Lambda, a function error) are
    /// returned for the job system to retry.
    pub async fn fight(&self, input: &DuelInput) -> anyhow::Result<Battle> {
        match self {
            Executor::InProcess => Ok(shonen_rules::fight(input)),
            Executor::Lambda(l) => l.fight(input).await,
        }
    }
}

pub struct LambdaExecutor {
    client: aws_sdk_lambda::Client,
    function: String,
}

impl LambdaExecutor {
    /// A client from the standard AWS environment and credential chain.
    pub async fn from_env(function: String, endpoint: Option<String>) -> LambdaExecutor {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(ep) = endpoint.filter(|e| !e.is_empty()) {
            loader = loader.endpoint_url(ep);
        }
        let conf = loader.load().await;
        LambdaExecutor {
            client: aws_sdk_lambda::Client::new(&conf),
            function,
        }
    }

    /// A client from an explicit SDK configuration.
    pub fn with_config(conf: aws_sdk_lambda::Config, function: String) -> LambdaExecutor {
        LambdaExecutor {
            client: aws_sdk_lambda::Client::from_conf(conf),
            function,
        }
    }

    pub async fn fight(&self, input: &DuelInput) -> anyhow::Result<Battle> {
        let payload = serde_json::to_vec(input).context("encoding the battle input")?;
        let out = self
            .client
            .invoke()
            .function_name(&self.function)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "invoking Lambda {}: {}",
                    self.function,
                    aws_sdk_lambda::error::DisplayErrorContext(e)
                )
            })?;
        let body = out.payload().map(|b| b.as_ref()).unwrap_or_default();
        if let Some(kind) = out.function_error() {
            anyhow::bail!(
                "Lambda {} failed ({kind}): {}",
                self.function,
                String::from_utf8_lossy(body)
            );
        }
        serde_json::from_slice(body).with_context(|| {
            format!(
                "Lambda {} answered something that is not a battle: {}",
                self.function,
                String::from_utf8_lossy(&body[..body.len().min(200)])
            )
        })
    }
}
