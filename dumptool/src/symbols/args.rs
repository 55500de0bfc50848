//! The command-line options of the host-file lookup, shared by `analyze`
//! and `report`.

use std::path::PathBuf;

use clap::Args;

use super::{debuginfod, Locator};

#[derive(Debug, Clone, Args)]
pub struct HostArgs {
    /// A directory of split debug files (`.build-id/xx/rest.debug`,
    /// `xx/rest.debug` or debuginfod's `BUILDID/debuginfo`), searched after
    /// /usr/lib/debug. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub debug_dir: Vec<PathBuf>,
    /// Ask no debuginfod server: use only files already on this host and in
    /// the debuginfod cache. (Servers are asked only when DEBUGINFOD_URLS
    /// names them.)
    #[arg(long)]
    pub offline: bool,
    /// Do not read this host's binaries and debug files (for a dump taken on
    /// another host, whose files may differ).
    #[arg(long)]
    pub no_host_files: bool,
}

impl HostArgs {
    /// Where to look, or `None` with `--no-host-files`.
    pub fn locator(&self) -> Option<Locator> {
        (!self.no_host_files).then(|| Locator {
            debug_dirs: self.debug_dir.clone(),
            debuginfod: debuginfod::Client::from_env(self.offline),
        })
    }
}
