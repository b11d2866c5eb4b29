//! The `shonen` binary: `serve` (the default), `migrate`, the `xp` calculator and
//! `openapi` (the API document).

use clap::{Parser, Subcommand};
use shonen_server::Config;
use std::io::Read;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: shonen_server::alloc::Allocator = shonen_server::alloc::Allocator;

#[derive(Parser)]
#[command(
    name = "shonen",
    about = "Shonen Training Tracker: train like Goku, level up like an MC"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (REST API, web UI, job workers). The default.
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Read one strength session as JSON on stdin and print its XP breakdown.
    Xp,
    /// Print the OpenAPI 3.1 document of the REST API: the one a server started with
    /// the same environment serves at `/api/openapi.json` (the dev clock route only
    /// with `SHONEN_DEV_CLOCK=1`). Needs no database or network.
    Openapi,
}

/// glibc gets the blocks of `alloc::LARGE` and more, such as argon2id's 19 MiB per
/// hash. It raises its mmap threshold after the first such block is freed and then
/// keeps later ones in its heaps, so a burst of logins would leave hundreds of MiB
/// resident. A threshold fixed at `LARGE` keeps every block it gets on mmap, returned
/// to the system when freed.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before any threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, shonen_server::alloc::LARGE as i32);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Xp => xp(),
        Command::Openapi => openapi(),
        Command::Migrate => runtime(migrate()),
        Command::Serve => runtime(serve()),
    }
}

fn xp() -> ExitCode {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        let err = shonen_rules::calculator::CalcError {
            code: "unreadable_input".into(),
            message: format!("could not read stdin: {e}"),
            field: None,
        };
        println!("{}", err.to_json());
        return ExitCode::from(2);
    }
    match shonen_rules::calculator::run(&input) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            println!("{}", err.to_json());
            ExitCode::from(1)
        }
    }
}

fn openapi() -> ExitCode {
    let doc = shonen_server::http::openapi_document(shonen_server::config::dev_clock_from_env());
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => {
            // A closed pipe (`shonen openapi | head`) is the reader's choice, not a crash.
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{text}") {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("could not write the document: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("could not write the document: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SHONEN_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
}

fn runtime(fut: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    init_tracing();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(fut) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    std::fs::create_dir_all(&config.data_dir)?;
    let store = shonen_server::storage::Store::open(&config.effective_database_url()).await?;
    store.close().await;
    tracing::info!("database is up to date");
    Ok(())
}

/// Raises the soft limit on open files to the hard one: every connection, idle ones
/// included, holds a descriptor, and a soft limit of 1,024 (common in shells) would
/// refuse new clients after about a thousand idle ones.
fn raise_open_files_limit() {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit read and write the struct passed by pointer.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 || lim.rlim_cur >= lim.rlim_max {
                return;
            }
            let from = lim.rlim_cur;
            lim.rlim_cur = lim.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                tracing::info!(from, to = lim.rlim_max, "raised the open files limit");
            }
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    raise_open_files_limit();
    let config = Config::from_env()?;
    tracing::info!(?config, "starting");
    // One signal for both stages: waiting for the database, then serving.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let Some(app) = shonen_server::starting::application(config, stopped(stop_rx.clone())).await?
    else {
        return Ok(());
    };
    tracing::info!("open http://{}", app.local_addr());
    app.run_until(stopped(stop_rx)).await
}

/// SIGTERM or Ctrl-C: stop accepting, finish in-flight requests, then exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
