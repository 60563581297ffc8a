//! The `provision` binary. See `provision --help` and the README.

use clap::Parser;

#[tokio::main]
async fn main() {
    provision::logging::init(tracing::level_filters::LevelFilter::WARN);
    let cli = provision::cli::Cli::parse();
    std::process::exit(provision::cli::run(cli).await);
}
