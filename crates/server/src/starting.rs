//! Starting while the database does not answer yet (PostgreSQL down, a SQLite
//! volume that cannot be opened): the process does not exit. It holds its port and
//! answers there, `/healthz` 200 (the process is alive), `/readyz` 503 and every
//! other request 503 `database_unavailable` with `Retry-After`, while it tries to
//! start again (after 1 s, then twice as long each time, at most 10 s). The first
//! start that reaches the database takes over the same listening socket, so the
//! port never closes in between. Any other error at start (a port in use, an
//! object store that cannot be opened) still ends the process.

use crate::app::Application;
use crate::config::Config;
use crate::error::ApiError;
use anyhow::Context;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::future::Future;
use std::time::Duration;

const FIRST_RETRY: Duration = Duration::from_secs(1);
const LONGEST_RETRY: Duration = Duration::from_secs(10);

/// The application, once its database answers; `None` when `stop` resolved first.
pub async fn application(
    config: Config,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<Option<Application>> {
    let failed = match Application::build(config.clone()).await {
        Ok(app) => return Ok(Some(app)),
        Err(e) if is_database_error(&e) => e,
        Err(e) => return Err(e),
    };
    tracing::error!(error = %format!("{failed:#}"), "the database does not answer; serving 503 and retrying");
    let held = std::net::TcpListener::bind(config.addr)
        .with_context(|| format!("binding {}", config.addr))?;
    held.set_nonblocking(true)?;
    let standby = Standby::start(held.try_clone()?)?;
    let mut stop = std::pin::pin!(stop);
    let mut wait = FIRST_RETRY;
    loop {
        tokio::select! {
            () = &mut stop => {
                standby.stop().await;
                return Ok(None);
            }
            () = tokio::time::sleep(wait) => {}
        }
        match Application::build_on(config.clone(), Some(held.try_clone()?)).await {
            Ok(app) => {
                tracing::info!("the database answers; starting");
                standby.stop().await;
                return Ok(Some(app));
            }
            Err(e) if is_database_error(&e) => {
                wait = (wait * 2).min(LONGEST_RETRY);
                tracing::error!(error = %format!("{e:#}"), retry_in = ?wait, "the database still does not answer");
            }
            Err(e) => {
                standby.stop().await;
                return Err(e);
            }
        }
    }
}

/// Whether a start failed on the database (reaching it, migrating it, reading the
/// secret from it), which time may mend.
fn is_database_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<crate::storage::StoreError>().is_some()
            || c.downcast_ref::<sqlx::Error>().is_some()
            || c.downcast_ref::<sqlx::migrate::MigrateError>().is_some()
    })
}

/// What answers on the port while the database does not.
struct Standby {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Standby {
    fn start(listener: std::net::TcpListener) -> anyhow::Result<Standby> {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let router = Router::new()
            .route(
                "/healthz",
                get(|| async { axum::Json(json!({ "status": "ok" })) }),
            )
            .route("/readyz", get(not_ready))
            .fallback(unavailable)
            .layer(axum::middleware::map_response(nosniff));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "the standby listener failed");
            }
        });
        Ok(Standby { stop, task })
    }

    /// Stops answering (what is in flight finishes); the socket stays open in the
    /// application's own listener.
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

async fn not_ready() -> Response {
    let report = json!({ "database": "unreachable", "redis": "unknown" });
    let mut body = report.clone();
    body["error"] = json!({
        "code": "not_ready",
        "message": "the service is starting: its database does not answer yet",
        "details": report,
    });
    (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
}

async fn unavailable() -> Response {
    ApiError::database_unavailable().into_response()
}

async fn nosniff(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}
