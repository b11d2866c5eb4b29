//! `grpc.health.v1.Health`: SERVING while the instance is ready (`crate::readiness`,
//! the check REST's `GET /readyz` answers with: database, and Redis when
//! configured), NOT_SERVING otherwise, for the whole server ("") and for
//! `shonen.v1.Shonen`.

use crate::state::AppState;
use std::sync::Arc;
use std::time::Duration;
use tonic_health::ServingStatus;
use tonic_health::pb::health_server::{Health, HealthServer};

/// How often readiness is re-checked.
const CHECK_EVERY: Duration = Duration::from_secs(2);

pub fn service(state: &Arc<AppState>) -> HealthServer<impl Health> {
    let (reporter, service) = tonic_health::server::health_reporter();
    let weak = Arc::downgrade(state);
    tokio::spawn(async move {
        let mut told = None;
        loop {
            // Only a weak handle between checks: the task ends with the app.
            let Some(state) = weak.upgrade() else { return };
            let readiness = crate::readiness::check(&state.store, &state.cache, &state.clock).await;
            drop(state);
            let serving = if readiness.is_ready() {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            // Set on a change only: every set reaches each `Watch`, and the protocol
            // has a watcher told of changes, not of every check.
            if told != Some(serving) {
                reporter.set_service_status("", serving).await;
                reporter
                    .set_service_status(super::SERVICES[0], serving)
                    .await;
                told = Some(serving);
            }
            tokio::time::sleep(CHECK_EVERY).await;
        }
    });
    service
}
