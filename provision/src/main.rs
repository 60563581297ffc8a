//! The `provision` binary. See `provision --help` and the README.

use clap::Parser;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = provision::cli::Cli::parse();
    std::process::exit(provision::cli::run(cli).await);
}
