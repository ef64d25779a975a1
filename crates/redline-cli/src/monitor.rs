//! `redline report`, `alerts`, `export`, `monitor` and the store benchmark.

use anyhow::Result;

/// Arguments of `redline bench store`.
#[derive(clap::Args)]
pub struct StoreBenchArgs {
    /// Synthetic events to store.
    #[arg(long, default_value_t = 5_000_000)]
    pub events: usize,
}

/// `redline bench store`.
pub fn bench_store(_args: &StoreBenchArgs) -> Result<()> {
    anyhow::bail!("not yet")
}
