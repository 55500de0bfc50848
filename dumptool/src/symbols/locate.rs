//! Finding the file that holds a module's unwind tables and names, by GNU
//! build-id, the way gdb and elfutils do: a file whose build-id differs from
//! the module's is a different build and is never used, whatever its path.
//!
//! Order (gdb's "Separate Debug Files", elfutils' `debuginfod-find`): the
//! module's own path; `/usr/lib/debug/.build-id/xx/rest.debug`; the same
//! layout (or `xx/rest.debug`, or elfutils' cache layout
//! `<build-id>/debuginfo`) under each `--debug-dir`; then a debuginfod
//! server when one is configured.

use std::path::{Path, PathBuf};

use object::{Object, ObjectSection};

pub use super::buildid::{hex, parse_hex};

/// The system's directory of split debug files (Debian's `-dbgsym` and
/// `-dbg` packages install there).
pub const SYSTEM_DEBUG_DIR: &str = "/usr/lib/debug";

/// Where to look for a module's files.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    /// Directories holding split debug files, searched after the system's.
    pub debug_dirs: Vec<PathBuf>,
    /// Asked last, for build-ids nothing local holds.
    pub debuginfod: Option<super::debuginfod::Client>,
}

/// What was found for one module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The module's own binary, when its build-id matches: its `.eh_frame`
    /// unwinds and its `.dynsym` names.
    pub binary: Option<PathBuf>,
    /// A split debug file with the same build-id: `.symtab` and DWARF.
    pub debug: Option<PathBuf>,
    /// Files passed over, and why (a different build-id).
    pub rejected: Vec<String>,
}

/// The GNU build-id of an ELF file's bytes, `None` when it has none.
pub fn build_id_of(bytes: &[u8]) -> Option<Vec<u8>> {
    let file = object::File::parse(bytes).ok()?;
    if let Ok(Some(id)) = file.build_id() {
        return Some(id.to_vec());
    }
    // A debug file made by `objcopy --only-keep-debug` keeps the note section.
    let section = file.section_by_name(".note.gnu.build-id")?;
    let data = section.data().ok()?;
    // Elf_Nhdr: namesz, descsz, type, then "GNU\0" and the id.
    let word =
        |at: usize| data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let (namesz, descsz) = (word(0)? as usize, word(4)? as usize);
    let desc_at = 12 + namesz.div_ceil(4) * 4;
    data.get(desc_at..desc_at + descsz).map(<[u8]>::to_vec)
}

/// The package an ELF file says it belongs to: systemd's package metadata
/// note (systemd.io, "Package Metadata for ELF Files"), a `.note.package`
/// section with an `FDO` note of type 0xcafe1a7e whose descriptor is JSON:
/// `{"type":"deb","name":"coreutils","version":"9.1-1",...}`. Gives
/// `coreutils 9.1-1 (deb)`.
pub fn package_note(file: &object::File) -> Option<String> {
    const NT_FDO_PACKAGING_METADATA: u32 = 0xcafe_1a7e;
    let data = file.section_by_name(".note.package")?.data().ok()?;
    let word =
        |at: usize| data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let (namesz, descsz, ty) = (word(0)? as usize, word(4)? as usize, word(8)?);
    if ty != NT_FDO_PACKAGING_METADATA || data.get(12..12 + namesz)? != b"FDO\0" {
        return None;
    }
    let desc_at = 12 + namesz.div_ceil(4) * 4;
    let desc = data.get(desc_at..desc_at + descsz)?;
    let desc = desc.split(|&b| b == 0).next()?;
    let v: serde_json::Value = serde_json::from_slice(desc).ok()?;
    let field = |k: &str| v.get(k).and_then(|x| x.as_str());
    let mut out = field("name")?.to_string();
    if let Some(version) = field("version") {
        out.push(' ');
        out.push_str(version);
    }
    if let Some(ty) = field("type") {
        out.push_str(&format!(" ({ty})"));
    }
    Some(out)
}

/// The build-id of the file at `path`, `None` when it cannot be read or has none.
fn file_build_id(path: &Path) -> Option<Vec<u8>> {
    build_id_of(&std::fs::read(path).ok()?)
}

/// `xx/rest.debug` for a build-id: the `.build-id` tree's layout.
pub fn build_id_relative(id: &[u8]) -> Option<PathBuf> {
    let (first, rest) = id.split_first()?;
    Some(PathBuf::from(format!("{first:02x}")).join(format!("{}.debug", hex(rest))))
}

impl Locator {
    /// The files for a module mapped from `code_file` with build-id `id`.
    pub fn locate(&self, code_file: &str, id: Option<&[u8]>) -> Found {
        let mut found = Found::default();
        let own = Path::new(code_file);
        let Some(id) = id else {
            // Nothing to check a file against: a path alone may name another
            // build (a dump from another host, an upgraded package).
            found.rejected.push(format!("{code_file}: the dump holds no build-id to match"));
            return found;
        };
        let accept = |path: &Path, found: &mut Found| -> bool {
            match file_build_id(path) {
                Some(theirs) if theirs == id => true,
                Some(theirs) => {
                    found.rejected.push(format!(
                        "{}: build-id {} is not the module's {}",
                        path.display(),
                        hex(&theirs),
                        hex(id)
                    ));
                    false
                }
                None => false,
            }
        };
        if own.is_file() && accept(own, &mut found) {
            found.binary = Some(own.to_path_buf());
        }
        let Some(relative) = build_id_relative(id) else { return found };
        let mut candidates = vec![Path::new(SYSTEM_DEBUG_DIR).join(".build-id").join(&relative)];
        for dir in &self.debug_dirs {
            candidates.push(dir.join(".build-id").join(&relative));
            candidates.push(dir.join(&relative));
            candidates.push(dir.join(hex(id)).join("debuginfo"));
        }
        found.debug = candidates.into_iter().find(|p| p.is_file() && accept(p, &mut found));
        if found.debug.is_none() {
            if let Some(client) = &self.debuginfod {
                match client.debuginfo(id) {
                    Ok(Some(path)) if accept(&path, &mut found) => found.debug = Some(path),
                    Ok(_) => {}
                    Err(e) => found.rejected.push(format!("debuginfod: {e}")),
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_id_paths_follow_the_debug_tree_layout() {
        let id = parse_hex("0a1b2c3d4e").unwrap();
        assert_eq!(build_id_relative(&id).unwrap(), Path::new("0a/1b2c3d4e.debug"));
        assert_eq!(hex(&id), "0a1b2c3d4e");
        assert_eq!(parse_hex("abc"), None);
        assert_eq!(parse_hex("zz"), None);
    }

    #[test]
    fn the_own_binary_is_used_only_when_its_build_id_matches() {
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let id = file_build_id(&exe).expect("the test binary has a build-id");
        let path = exe.to_str().unwrap();
        let found = Locator::default().locate(path, Some(&id));
        assert_eq!(found.binary.as_deref(), Some(exe.as_path()));
        assert!(found.rejected.is_empty());

        let mut other = id.clone();
        other[0] ^= 0xff;
        let found = Locator::default().locate(path, Some(&other));
        assert_eq!(found.binary, None);
        assert!(found.rejected[0].contains(&hex(&id)), "{:?}", found.rejected);
    }

    #[test]
    fn a_debug_dir_is_searched_by_build_id() {
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let id = file_build_id(&exe).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join(".build-id").join(build_id_relative(&id).unwrap());
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::copy(&exe, &at).unwrap();
        let locator = Locator { debug_dirs: vec![dir.path().to_path_buf()], debuginfod: None };
        let found = locator.locate("/nonexistent/program", Some(&id));
        assert_eq!(found.binary, None);
        assert_eq!(found.debug.as_deref(), Some(at.as_path()));
    }
}
