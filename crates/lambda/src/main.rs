//! The battle Lambda: receives `{duel_id, challenger, opponent}` (a `DuelInput`) and
//! answers the `Battle` JSON, computed by the same pure function the server's
//! in-process executor runs, so both executors give identical results.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use shonen_rules::{Battle, DuelInput};

async fn handle(event: LambdaEvent<DuelInput>) -> Result<Battle, Error> {
    Ok(shonen_rules::fight(&event.payload))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
