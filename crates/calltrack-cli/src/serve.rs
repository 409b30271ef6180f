//! `calltrack serve`: the HTTP API on the embedded backend, the same router as the Lambdas.

use std::net::SocketAddr;

use calltrack::http::{App, HttpConfig};
use clap::Args as ClapArgs;

use crate::backend;
use crate::exit::{CmdResult, Failure};
use crate::Globals;

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// The public URL providers post to; webhook signatures are checked against it.
    #[arg(long, env = "PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
}

pub async fn run(g: &Globals, a: Args) -> CmdResult {
    let ports = backend::open(g).await?;
    let base = a
        .public_base_url
        .unwrap_or_else(|| format!("http://{}", a.addr));
    let app = calltrack::http::router(App::new(
        ports,
        HttpConfig {
            public_base_url: base.clone(),
        },
    ));
    let listener = tokio::net::TcpListener::bind(a.addr)
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", a.addr)))?;
    eprintln!(
        "calltrack: serving on http://{} (public base URL {base}); Ctrl-C stops",
        a.addr
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
