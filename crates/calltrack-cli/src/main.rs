//! The `calltrack` command: run the API, run the demo, administer tenants, numbers and pools,
//! check webhooks, read calls, analyse transcripts and produce reports.

mod admin;
mod analyze;
mod backend;
mod demo;
mod exit;
mod pool_sim;
mod reports;
mod serve;
mod webhook;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use exit::CmdResult;

#[derive(Debug, Parser)]
#[command(
    name = "calltrack",
    version,
    about = "Call tracking and speech analytics"
)]
struct Cli {
    /// Put exactly one JSON document on stdout; logs go to stderr.
    #[arg(long, global = true)]
    json: bool,
    /// Data directory of the embedded backend (SQLite store, blobs, mail outbox).
    #[arg(
        long,
        global = true,
        env = "CALLTRACK_DATA",
        default_value = ".calltrack"
    )]
    data: PathBuf,
    /// Where the data lives: `sqlite` (embedded, under --data) or `aws` (DynamoDB TABLE_NAME,
    /// S3 RECORDINGS_BUCKET, SES REPORT_SENDER, from the standard AWS environment).
    #[arg(long, global = true, env = "CALLTRACK_BACKEND", value_enum, default_value_t = Backend::Sqlite)]
    backend: Backend,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    Sqlite,
    Aws,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (the same router as the Lambda functions) on the embedded backend.
    Serve(serve::Args),
    /// Generate realistic traffic through the HTTP router and print ROI per channel.
    Demo(demo::Args),
    /// Add, show or change a tenant.
    #[command(subcommand)]
    Tenant(Box<admin::TenantCmd>),
    /// Add or list tracking numbers.
    #[command(subcommand)]
    Number(admin::NumberCmd),
    /// Add or show DNI pools, simulate them, size them.
    #[command(subcommand)]
    Pool(PoolCmd),
    /// Parse (and with --secret verify) a provider webhook payload into normalised call events.
    Webhook(webhook::Args),
    /// Read the call log.
    #[command(subcommand)]
    Calls(reports::CallsCmd),
    /// Analyse an Amazon Transcribe output file: talk time, silences, interruptions, script, score.
    Analyze(analyze::Args),
    /// The ROI report per channel (or campaign, number, manager...) for a period.
    Report(reports::ReportArgs),
    /// Missed calls nobody returned, and the revenue they likely cost.
    Loss(reports::LossArgs),
    /// Offline conversions for an ad platform's upload (Google Ads, Yandex Metrica, GA4), on stdout.
    Export(reports::ExportArgs),
    /// Bring stored data to this version's formats (idempotent; run on upgrade).
    Migrate,
}

#[derive(Debug, Subcommand)]
enum PoolCmd {
    /// Add or update a pool.
    Add(admin::PoolAddArgs),
    /// Show a pool: its numbers, who holds them, and its health.
    Show(admin::PoolShowArgs),
    /// Simulate a pool under a workload and measure attribution accuracy.
    Simulate(pool_sim::SimulateArgs),
    /// Find the smallest pool that meets a target accuracy.
    Size(pool_sim::SizeArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logs();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("calltrack: {f}");
            f.code()
        }
    }
}

/// The global options every subcommand may need.
pub struct Globals {
    pub json: bool,
    pub data: PathBuf,
    pub backend: Backend,
}

fn run(cli: Cli) -> CmdResult {
    let g = Globals {
        json: cli.json,
        data: cli.data,
        backend: cli.backend,
    };
    match cli.command {
        Command::Analyze(a) => analyze::run(&a, g.json),
        Command::Webhook(a) => webhook::run(&a, g.json),
        Command::Pool(PoolCmd::Simulate(a)) => pool_sim::simulate(&a, g.json),
        Command::Pool(PoolCmd::Size(a)) => pool_sim::size(&a, g.json),
        command => runtime()?.block_on(async move {
            match command {
                Command::Serve(a) => serve::run(&g, a).await,
                Command::Demo(a) => demo::run(&g, a).await,
                Command::Tenant(c) => admin::tenant(&g, *c).await,
                Command::Number(c) => admin::number(&g, c).await,
                Command::Pool(PoolCmd::Add(a)) => admin::pool_add(&g, a).await,
                Command::Pool(PoolCmd::Show(a)) => admin::pool_show(&g, a).await,
                Command::Calls(c) => reports::calls(&g, c).await,
                Command::Report(a) => reports::report(&g, a).await,
                Command::Loss(a) => reports::loss(&g, a).await,
                Command::Export(a) => reports::export(&g, a).await,
                Command::Migrate => admin::migrate(&g).await,
                Command::Analyze(_) | Command::Webhook(_) | Command::Pool(_) => {
                    unreachable!("handled above")
                }
            }
        }),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, exit::Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Logs to stderr, filtered by RUST_LOG (default: warnings).
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
