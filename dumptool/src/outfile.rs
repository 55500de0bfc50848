//! Output files written whole or not at all: the bytes go to a new file
//! beside the target, are synced, and the file is renamed over the target.
//! A failed write (disk full, a file size limit) leaves the previous file as
//! it was and no partial one; a reader never sees half a file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::exit;

/// Why an output file was not written, each one sentence with the fix.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{0} is a directory: give the path of a file")]
    IsDirectory(PathBuf),
    #[error(
        "{0} is not a regular file (a device, FIFO or socket), so it is not replaced: give the \
         path of a file"
    )]
    NotRegular(PathBuf),
    #[error("cannot write {0}: its directory does not exist: create it or choose another path")]
    DirMissing(PathBuf),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl OutputError {
    /// A path that cannot take a file is bad input; a refusal by the file
    /// system (permissions, no space, a size limit) is the system's.
    pub fn exit_code(&self) -> u8 {
        match self {
            OutputError::Io { .. } => exit::REFUSED,
            _ => exit::BAD_INPUT,
        }
    }
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The file that writing to `path` replaces: `path` itself, or the file a
/// symbolic link there points to (the link stays). Refuses a directory, and
/// a device, FIFO or socket: renaming over `/dev/null` (as root) would put a
/// regular file in place of the device.
pub fn destination(path: &Path) -> Result<PathBuf, OutputError> {
    let io_err = |source| OutputError::Io { path: path.to_path_buf(), source };
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(OutputError::IsDirectory(path.to_path_buf())),
        Ok(m) if !m.is_file() => Err(OutputError::NotRegular(path.to_path_buf())),
        Ok(_) if fs::symlink_metadata(path).map_err(io_err)?.file_type().is_symlink() => {
            fs::canonicalize(path).map_err(io_err)
        }
        Ok(_) => Ok(path.to_path_buf()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if dir_of(path).is_dir() {
                Ok(path.to_path_buf())
            } else {
                Err(OutputError::DirMissing(path.to_path_buf()))
            }
        }
        Err(e) => Err(io_err(e)),
    }
}

/// Writes `bytes` to `path` whole or not at all (see the module doc). On
/// failure the temporary file is removed and what was at `path` is untouched.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let target = destination(path)?;
    let dir = dir_of(&target);
    let name = target.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let io_err = |source| OutputError::Io { path: path.to_path_buf(), source };
    // A new name, created exclusively: a name planted there (a link to
    // elsewhere, in a shared directory) is never followed.
    let mut n = 0;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(io_err(e)),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&tmp, &target));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    // The rename itself survives a power cut once the directory is synced.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        fs::write(&path, "old").unwrap();
        write_whole(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn writes_through_a_link_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.md");
        let link = dir.path().join("link.md");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_whole(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn refuses_what_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = write_whole(dir.path(), b"x").unwrap_err();
        assert!(matches!(e, OutputError::IsDirectory(_)), "{e}");
        // A FIFO stands for a device: a regression must not replace /dev/null.
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let e = write_whole(&fifo, b"x").unwrap_err();
        assert!(matches!(e, OutputError::NotRegular(_)), "{e}");
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(
            &fs::symlink_metadata(&fifo).unwrap().file_type()
        ));
        let e = write_whole(&dir.path().join("no/such/dir/x.md"), b"x").unwrap_err();
        assert!(matches!(e, OutputError::DirMissing(_)), "{e}");
        assert_eq!(e.exit_code(), exit::BAD_INPUT);
    }
}
