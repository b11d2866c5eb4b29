//! Service configuration, read from `SHONEN_*` environment variables with defaults
//! that work on a fresh machine (SQLite in `./data`, port 8080 on loopback).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the service needs to start. Secrets never appear in `Debug` output.
#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub secret: Option<String>,
    pub dev_clock: bool,
    /// Background job workers in this process (0 disables them, e.g. for an API-only node).
    pub workers: usize,
    /// Per-player and per-IP request budgets per minute; login attempts have their own.
    pub rate_limit_per_minute: u32,
    pub login_attempts_per_minute: u32,
    /// `SHONEN_REGISTRATIONS_PER_HOUR`: accepted registrations per client address in
    /// any hour (game rules §10).
    pub registrations_per_hour: u32,
    /// The optional text-generation villain (`SHONEN_VILLAIN_LLM_URL`); `None` keeps
    /// the procedural one.
    pub villain_llm: Option<LlmSettings>,
    /// `SHONEN_OBJECT_STORE_URL`: empty = `<data_dir>/objects`, or `s3://bucket/prefix`.
    pub object_store_url: String,
    /// S3 endpoint override and optional explicit credentials (else the AWS chain).
    pub s3: crate::objects::S3Settings,
    /// `SHONEN_BATTLE_EXECUTOR`: `in-process` (default) or `lambda`.
    pub battle_executor: String,
    /// `SHONEN_BATTLE_LAMBDA`: the battle function's name (Lambda executor).
    pub battle_lambda: Option<String>,
    /// `SHONEN_LAMBDA_ENDPOINT`: a Lambda API other than AWS's (tests).
    pub lambda_endpoint: Option<String>,
    /// `SHONEN_REDIS_URL` (e.g. `redis://127.0.0.1:6379`): hot caches, leaderboards and
    /// cross-instance events in Redis. Unset: the in-process cache (single instance).
    pub redis_url: Option<String>,
    /// `SHONEN_REDIS_PREFIX`: prefix of every key and channel (several apps can share
    /// one Redis); instances of one deployment must use the same prefix.
    pub redis_prefix: String,
    /// `SHONEN_TRUSTED_PROXIES`: peers (CIDRs) whose `X-Forwarded-For` is believed
    /// when working out the client address. Empty (the default): only the peer counts.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Timeouts and leases for running through faults (`SHONEN_DB_*`, `SHONEN_HTTP_*`,
    /// `SHONEN_REDIS_*`, `SHONEN_IDEMPOTENCY_LEASE_MS`); see docs/operations.md.
    pub timeouts: Timeouts,
}

/// How long the service waits on each outside party before giving up.
#[derive(Clone, Debug)]
pub struct Timeouts {
    /// `SHONEN_DB_ACQUIRE_TIMEOUT_MS`: waiting for a pooled connection (or opening one).
    pub db_acquire: Duration,
    /// `SHONEN_DB_STATEMENT_TIMEOUT_MS`: PostgreSQL's `statement_timeout` for every
    /// statement, and the longest a request waits on a database that stopped answering.
    pub db_statement: Duration,
    /// `SHONEN_DB_MAX_CONNECTIONS`: pool size (PostgreSQL; SQLite keeps its own).
    pub db_max_connections: u32,
    /// `SHONEN_REDIS_COMMAND_TIMEOUT_MS`: one Redis command, connection included.
    pub redis_command: Duration,
    /// `SHONEN_HTTP_HEADER_TIMEOUT_MS`: receiving a request's headers.
    pub http_header: Duration,
    /// `SHONEN_HTTP_BODY_TIMEOUT_MS`: the longest pause while receiving a body.
    pub http_body: Duration,
    /// `SHONEN_HTTP_BODY_TOTAL_MS`: the longest a whole body may take, however it
    /// trickles in (a byte every few seconds never pauses long enough to time out).
    pub http_body_total: Duration,
    /// `SHONEN_HTTP_IDLE_TIMEOUT_MS`: an idle keep-alive connection is closed after it.
    pub http_idle: Duration,
    /// `SHONEN_SHUTDOWN_TIMEOUT_MS`: graceful shutdown closes whatever is left after it.
    pub shutdown: Duration,
    /// `SHONEN_IDEMPOTENCY_LEASE_MS`: an unfinished `Idempotency-Key` reservation older
    /// than this belongs to a request that died; a retry runs again.
    pub idempotency_lease: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            db_acquire: Duration::from_millis(1000),
            db_statement: Duration::from_millis(5000),
            db_max_connections: 32,
            redis_command: Duration::from_millis(500),
            http_header: Duration::from_millis(10_000),
            http_body: Duration::from_millis(10_000),
            // A 5 MiB image at 50 KiB/s still fits.
            http_body_total: Duration::from_millis(120_000),
            http_idle: Duration::from_millis(60_000),
            shutdown: Duration::from_millis(8_000),
            idempotency_lease: Duration::from_millis(10_000),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("dev_clock", &self.dev_clock)
            .field("workers", &self.workers)
            .field("villain_llm", &self.villain_llm)
            .field("object_store_url", &self.object_store_url)
            .field("s3", &self.s3)
            .field("battle_executor", &self.battle_executor)
            .field("battle_lambda", &self.battle_lambda)
            .field("lambda_endpoint", &self.lambda_endpoint)
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("redis_prefix", &self.redis_prefix)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

/// The most job workers (async tasks) one process runs.
const MAX_WORKERS: u32 = 1024;

fn redact_url(url: &str) -> String {
    // postgres://user:password@host/db → hide the password part.
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Config {
    /// Reads the environment. Invalid values are reported, not silently replaced.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let addr = var("SHONEN_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        let addr: SocketAddr = addr
            .parse()
            .map_err(|e| anyhow::anyhow!("SHONEN_ADDR {addr:?} is not host:port: {e}"))?;
        let data_dir = PathBuf::from(var("SHONEN_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = var("SHONEN_DATABASE_URL").unwrap_or_default();
        // Named by its scheme only: the rest may hold a password.
        if !database_url.is_empty()
            && !["postgres://", "postgresql://", "sqlite:"]
                .iter()
                .any(|p| database_url.starts_with(p))
        {
            anyhow::bail!(
                "SHONEN_DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got {:?}…)",
                database_url.split(':').next().unwrap_or_default()
            );
        }
        let parse_num = |name: &str, default: u32| -> anyhow::Result<u32> {
            match var(name) {
                Some(v) => v
                    .parse()
                    .map_err(|e| anyhow::anyhow!("{name} {v:?} is not a number: {e}")),
                None => Ok(default),
            }
        };
        // A limit of 0 would refuse every request (or never run a job): at least 1.
        let at_least_one = |name: &str, default: u32| -> anyhow::Result<u32> {
            match parse_num(name, default)? {
                0 => anyhow::bail!("{name} must be at least 1"),
                n => Ok(n),
            }
        };
        let workers = at_least_one("SHONEN_WORKERS", 8)?;
        if workers > MAX_WORKERS {
            anyhow::bail!("SHONEN_WORKERS must be at most {MAX_WORKERS}, got {workers}");
        }
        let object_store_url = var("SHONEN_OBJECT_STORE_URL").unwrap_or_default();
        if let Some((scheme, _)) = object_store_url.split_once("://")
            && scheme != "s3"
            && scheme != "file"
        {
            anyhow::bail!(
                "SHONEN_OBJECT_STORE_URL: {scheme}:// is not supported (a directory, file:///path or s3://bucket/prefix)"
            );
        }
        Ok(Config {
            addr,
            database_url,
            data_dir,
            secret: var("SHONEN_SECRET"),
            dev_clock: dev_clock_from_env(),
            workers: workers as usize,
            rate_limit_per_minute: at_least_one("SHONEN_RATE_LIMIT_PER_MINUTE", 6000)?,
            login_attempts_per_minute: at_least_one("SHONEN_LOGIN_ATTEMPTS_PER_MINUTE", 10)?,
            registrations_per_hour: at_least_one("SHONEN_REGISTRATIONS_PER_HOUR", 5)?,
            villain_llm: match var("SHONEN_VILLAIN_LLM_URL") {
                Some(url) => Some(LlmSettings {
                    url,
                    model: var("SHONEN_VILLAIN_LLM_MODEL"),
                    key: var("SHONEN_VILLAIN_LLM_KEY"),
                    timeout: std::time::Duration::from_millis(u64::from(at_least_one(
                        "SHONEN_VILLAIN_LLM_TIMEOUT_MS",
                        3000,
                    )?)),
                }),
                None => None,
            },
            object_store_url,
            s3: crate::objects::S3Settings {
                endpoint: var("SHONEN_S3_ENDPOINT"),
                ..Default::default()
            },
            battle_executor: var("SHONEN_BATTLE_EXECUTOR").unwrap_or_default(),
            battle_lambda: var("SHONEN_BATTLE_LAMBDA"),
            lambda_endpoint: var("SHONEN_LAMBDA_ENDPOINT"),
            redis_url: var("SHONEN_REDIS_URL"),
            redis_prefix: var("SHONEN_REDIS_PREFIX").unwrap_or_else(|| "shonen:".into()),
            trusted_proxies: match var("SHONEN_TRUSTED_PROXIES") {
                Some(v) => {
                    parse_cidrs(&v).map_err(|e| anyhow::anyhow!("SHONEN_TRUSTED_PROXIES: {e}"))?
                }
                None => Vec::new(),
            },
            timeouts: {
                let d = Timeouts::default();
                let ms = |name: &str, default: Duration| -> anyhow::Result<Duration> {
                    let n =
                        parse_num(name, u32::try_from(default.as_millis()).unwrap_or(u32::MAX))?;
                    if n == 0 {
                        anyhow::bail!("{name} must be at least 1 (milliseconds)");
                    }
                    Ok(Duration::from_millis(u64::from(n)))
                };
                Timeouts {
                    db_acquire: ms("SHONEN_DB_ACQUIRE_TIMEOUT_MS", d.db_acquire)?,
                    db_statement: ms("SHONEN_DB_STATEMENT_TIMEOUT_MS", d.db_statement)?,
                    db_max_connections: match parse_num(
                        "SHONEN_DB_MAX_CONNECTIONS",
                        d.db_max_connections,
                    )? {
                        0 => anyhow::bail!("SHONEN_DB_MAX_CONNECTIONS must be at least 1"),
                        n => n,
                    },
                    redis_command: ms("SHONEN_REDIS_COMMAND_TIMEOUT_MS", d.redis_command)?,
                    http_header: ms("SHONEN_HTTP_HEADER_TIMEOUT_MS", d.http_header)?,
                    http_body: ms("SHONEN_HTTP_BODY_TIMEOUT_MS", d.http_body)?,
                    http_body_total: ms("SHONEN_HTTP_BODY_TOTAL_MS", d.http_body_total)?,
                    http_idle: ms("SHONEN_HTTP_IDLE_TIMEOUT_MS", d.http_idle)?,
                    shutdown: ms("SHONEN_SHUTDOWN_TIMEOUT_MS", d.shutdown)?,
                    idempotency_lease: ms("SHONEN_IDEMPOTENCY_LEASE_MS", d.idempotency_lease)?,
                }
            },
        })
    }

    /// The database URL to use: the configured one, or a SQLite file in the data dir.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("shonen.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }
}

/// `SHONEN_DEV_CLOCK=1` (or `true`, `yes`): the development clock is on.
pub fn dev_clock_from_env() -> bool {
    matches!(
        std::env::var("SHONEN_DEV_CLOCK").as_deref(),
        Ok("1" | "true" | "yes")
    )
}

/// Comma-separated CIDRs (`10.0.0.0/8, ::1`); a bare address is a single host.
pub fn parse_cidrs(s: &str) -> Result<Vec<ipnet::IpNet>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{p:?} is not an address or CIDR"))
        })
        .collect()
}

/// Settings of the optional text-generation villain (`SHONEN_VILLAIN_LLM_*`).
#[derive(Clone)]
pub struct LlmSettings {
    /// Base URL: `…/chat/completions` is used as is, `…/v1` gets `/chat/completions`,
    /// anything else gets `/v1/chat/completions`.
    pub url: String,
    pub model: Option<String>,
    pub key: Option<String>,
    pub timeout: Duration,
}

impl std::fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmSettings")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl LlmSettings {
    pub fn endpoint(&self) -> String {
        let base = self.url.trim_end_matches('/');
        if base.ends_with("/chat/completions") {
            base.to_string()
        } else if base.ends_with("/v1") {
            format!("{base}/chat/completions")
        } else {
            format!("{base}/v1/chat/completions")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxy_lists() {
        let nets = parse_cidrs(" 10.0.0.0/8, 127.0.0.1 ,::1,").unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert!(parse_cidrs("10.0.0.0/33").is_err());
        assert!(parse_cidrs("proxy.example").is_err());
        assert!(parse_cidrs("").unwrap().is_empty());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://bob:hunter2@db/x"),
            "postgres://bob:***@db/x"
        );
        assert_eq!(redact_url("sqlite://a.db"), "sqlite://a.db");
    }
}
