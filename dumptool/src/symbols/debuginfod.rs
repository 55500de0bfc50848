//! A debuginfod client that follows elfutils' conventions
//! (debuginfod-client-config(7), debuginfod-find(1)): `DEBUGINFOD_URLS`
//! (space-separated servers), `DEBUGINFOD_CACHE_PATH` with elfutils' cache
//! layout (`<cache>/<build-id>/debuginfo`, default
//! `$XDG_CACHE_HOME/debuginfod_client`), `DEBUGINFOD_TIMEOUT` (seconds,
//! default 90). No request is made unless a server is configured; offline,
//! only the cache is read. Downloads say so on stderr.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::buildid::hex;

/// elfutils' default `DEBUGINFOD_TIMEOUT`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(90);
/// Debug files larger than this are refused, so a misbehaving server cannot
/// fill the disk.
const MAX_DOWNLOAD: u64 = 4 << 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Servers, asked in order.
    pub urls: Vec<String>,
    pub cache: PathBuf,
    pub timeout: Duration,
    /// Only the cache: no request at all.
    pub offline: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DebuginfodError {
    #[error("{url}: {message}")]
    Request { url: String, message: String },
    #[error("cannot write the cache {path}: {source}")]
    Cache { path: PathBuf, source: std::io::Error },
}

impl Client {
    /// The client the environment describes; `None` when neither a server
    /// nor a cache directory can be named.
    pub fn from_env(offline: bool) -> Option<Client> {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
        let urls: Vec<String> = var("DEBUGINFOD_URLS")
            .map(|v| v.split_whitespace().map(|u| u.trim_end_matches('/').to_string()).collect())
            .unwrap_or_default();
        let cache = var("DEBUGINFOD_CACHE_PATH").map(PathBuf::from).or_else(|| {
            let base = var("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| var("HOME").map(|h| Path::new(&h).join(".cache")))?;
            Some(base.join("debuginfod_client"))
        })?;
        let timeout = var("DEBUGINFOD_TIMEOUT")
            .and_then(|t| t.trim().parse().ok())
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
        Some(Client { urls, cache, timeout, offline })
    }

    /// The cached or downloaded debug file for a build-id; `Ok(None)` when
    /// no server has it.
    pub fn debuginfo(&self, id: &[u8]) -> Result<Option<PathBuf>, DebuginfodError> {
        let dir = self.cache.join(hex(id));
        let target = dir.join("debuginfo");
        if target.is_file() {
            return Ok(Some(target));
        }
        if self.offline {
            return Ok(None);
        }
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(self.timeout)).build().into();
        for base in &self.urls {
            let url = format!("{base}/buildid/{}/debuginfo", hex(id));
            let fail = |message: String| DebuginfodError::Request { url: url.clone(), message };
            let mut response = match agent.get(&url).call() {
                Ok(r) => r,
                Err(ureq::Error::StatusCode(404)) => continue,
                Err(e) => return Err(fail(e.to_string())),
            };
            eprintln!("dumptool: downloading debug info for {} from {base}", hex(id));
            let mut bytes = Vec::new();
            response
                .body_mut()
                .with_config()
                .limit(MAX_DOWNLOAD)
                .reader()
                .read_to_end(&mut bytes)
                .map_err(|e| fail(e.to_string()))?;
            eprintln!("dumptool: downloaded {} bytes", bytes.len());
            let cache_err = |source| DebuginfodError::Cache { path: dir.clone(), source };
            std::fs::create_dir_all(&dir).map_err(cache_err)?;
            // Written aside and renamed, so a reader never sees half a file.
            let partial = dir.join(".debuginfo.part");
            std::fs::write(&partial, &bytes).map_err(cache_err)?;
            std::fs::rename(&partial, &target).map_err(cache_err)?;
            return Ok(Some(target));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_reads_the_elfutils_cache_layout_and_asks_nobody() {
        let cache = tempfile::tempdir().unwrap();
        let id = [0xab, 0xcd, 0xef];
        let client = Client {
            // Nothing listens there: a request would fail the test.
            urls: vec!["http://127.0.0.1:1".into()],
            cache: cache.path().to_path_buf(),
            timeout: Duration::from_secs(1),
            offline: true,
        };
        assert!(client.debuginfo(&id).unwrap().is_none());
        let at = cache.path().join("abcdef").join("debuginfo");
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(&at, b"x").unwrap();
        assert_eq!(client.debuginfo(&id).unwrap(), Some(at));
    }
}
