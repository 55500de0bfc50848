//! Core files, analyzed into the same summary as a minidump: a fixture the
//! kernel wrote for the test program killed with SIGSEGV (on every machine),
//! a live one written here, and one written by gdb's gcore.

use std::process::Command;

use headroom_tests::skip;
use serde_json::Value;

use crate::support::{core_fixture, dumptool, Testee, TESTEE};

/// testdata/cores: threads, crash, modules with their build ids, and the
/// planted argument hidden.
#[test]
fn fixture_core_of_a_segv() {
    let run = dumptool(&["analyze", &core_fixture(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["producer"], "Linux kernel");
    assert_eq!(v["crash"]["reason"], "SIGSEGV");
    assert_eq!(v["crashing_thread"], 0);
    assert_eq!(v["process"]["name"], "dumptool-testee");
    assert_eq!(v["threads"].as_array().unwrap().len(), 4, "main, 2 workers, heartbeat");
    let modules: Vec<(&str, &str)> = v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["code_id"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(
        modules,
        [
            ("dumptool-testee", "d57acb92790b7691786a1177febff3f43a3b1038"),
            ("libc.so.6", "93ac61ec5a8eb1396f9fbd350e3169a558528a40"),
            ("libgcc_s.so.1", "6f03384c2e3c38887dd3ba5a24b2e18c17e2f0e0"),
            ("ld-linux-x86-64.so.2", "7ebc65e52f2bbea498b4040fa92f7238377aaba9"),
        ],
        "the ELF files mapped, each with the build id `readelf -n` gives"
    );
    for args in [&["analyze"][..], &["report"], &["report", "--format", "json"]] {
        let run = dumptool(&[args, &[core_fixture().as_str()]].concat());
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.contains("PLANTED"), "{args:?} hides the argument");
    }
}

#[test]
fn kernel_core_of_a_segv() {
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    if pattern.trim_start().starts_with('|') {
        return skip(&format!(
            "kernel.core_pattern writing a file (it pipes cores to {})",
            pattern.trim()
        ));
    }
    if pattern.trim_start().starts_with('/') {
        return skip(&format!(
            "kernel.core_pattern relative to the process (it writes cores to {})",
            pattern.trim()
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        &format!("ulimit -c unlimited && exec {TESTEE} --threads 3 --password=PLANTED-core-0006"),
    ])
    .current_dir(dir.path());
    let mut t = Testee::spawn_cmd(cmd);
    let pid = t.pid;
    // Rust's runtime handles SIGSEGV to report stack overflows; a SIGSEGV
    // that is not a guard-page fault restores the default action and
    // returns, so a signal sent with kill(1) takes effect the second time.
    let status = loop {
        assert!(Command::new("kill").args(["-SEGV", &pid.to_string()]).status().unwrap().success());
        std::thread::sleep(std::time::Duration::from_millis(200));
        if let Some(status) = t.child.try_wait().unwrap() {
            break status;
        }
    };
    assert!(!status.success());
    let core = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("core"));
    let Some(core) = core else {
        return skip(&format!(
            "a core file from the kernel (none was written; core_pattern {:?})",
            pattern.trim()
        ));
    };
    let run = dumptool(&["analyze", core.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("PLANTED"), "the summary hides the argument");
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["format"], "elf-core");
    assert_eq!(v["system"]["os"], "Linux");
    assert!(v["crash"]["reason"].as_str().unwrap().starts_with("SIGSEGV"), "{}", v["crash"]);
    assert_eq!(v["process"]["pid"], pid);
    assert_eq!(v["process"]["name"], "dumptool-testee");
    assert_eq!(v["crashing_thread"], 0);
    assert!(v["threads"].as_array().unwrap().len() >= 5, "main, 3 workers, heartbeat");
    let modules: Vec<&str> =
        v["modules"].as_array().unwrap().iter().filter_map(|m| m["name"].as_str()).collect();
    assert!(modules.contains(&"dumptool-testee"), "{modules:?}");
    assert_elf_modules_with_build_ids(&v);
    let regs = v["threads"][0]["registers"].as_array().unwrap();
    assert!(regs.iter().any(|r| r["name"] == "rip" || r["name"] == "pc"));
    assert!(v["linux"]["auxv"].as_array().unwrap().iter().any(|a| a[0] == "AT_PAGESZ"));

    let text = dumptool(&["analyze", core.to_str().unwrap()]);
    assert!(text.stdout.contains("ELF core file written by Linux kernel"), "{}", text.stdout);
    let a = dumptool(&["report", core.to_str().unwrap()]);
    let b = dumptool(&["report", core.to_str().unwrap()]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
}

/// A core written by gdb's gcore of a live process: a snapshot, not a crash
/// (gdb's SIGSTOP is no crash reason), and only ELF files as modules, not
/// the locale archives the process also maps.
#[test]
fn gcore_snapshot_is_no_crash_and_lists_only_elf_modules() {
    if Command::new("gcore").arg("--version").output().is_err() {
        return skip("gcore (apt-get install gdb)");
    }
    let dir = tempfile::tempdir().unwrap();
    // coreutils' sleep loads the locale: its archives are mapped files that are not ELF.
    let mut sleeper =
        Command::new("sleep").arg("60").env("LC_ALL", "C.UTF-8").spawn().expect("spawn sleep");
    let pid = sleeper.id();
    // Wait until the locale is loaded (sleep maps it before it sleeps).
    let maps = format!("/proc/{pid}/maps");
    let mut non_elf = Vec::new();
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        non_elf = mapped_files(&maps).into_iter().filter(|p| !is_elf(p)).collect();
        if !non_elf.is_empty() {
            break;
        }
    }
    let prefix = dir.path().join("core");
    let gcore = Command::new("gcore").arg("-o").arg(&prefix).arg(pid.to_string()).output().unwrap();
    let core = dir.path().join(format!("core.{pid}"));
    assert!(core.exists(), "gcore wrote nothing: {}", String::from_utf8_lossy(&gcore.stderr));
    assert!(sleeper.try_wait().unwrap().is_none(), "gcore leaves the process running");
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();

    let run = dumptool(&["analyze", core.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["producer"], "gdb (gcore)");
    assert_eq!(v["crash"], Value::Null, "gdb's SIGSTOP is no crash: {}", v["crash"]);
    assert_eq!(v["crashing_thread"], Value::Null);
    assert_eq!(v["process"]["pid"], pid);
    let modules: Vec<&str> =
        v["modules"].as_array().unwrap().iter().filter_map(|m| m["debug_file"].as_str()).collect();
    assert!(modules.iter().any(|m| m.ends_with("/sleep")), "{modules:?}");
    assert!(modules.iter().any(|m| m.contains("libc.so")), "{modules:?}");
    assert_elf_modules_with_build_ids(&v);
    if non_elf.is_empty() {
        eprintln!("note: sleep mapped no non-ELF file here (no C.UTF-8 locale files)");
    }

    let text = dumptool(&["analyze", core.to_str().unwrap()]);
    assert!(text.stdout.contains("ELF core file written by gdb (gcore)"), "{}", text.stdout);
    assert!(text.stdout.contains("Crash:     no crash"), "{}", text.stdout);
}

/// Every module is an ELF file, and each carries the build id its file on
/// disk has.
fn assert_elf_modules_with_build_ids(summary: &Value) {
    let modules = summary["modules"].as_array().unwrap();
    assert!(modules.iter().any(|m| m["code_id"].is_string()), "no build id at all: {modules:?}");
    for m in modules {
        let path = m["debug_file"].as_str().unwrap();
        assert!(is_elf(path), "{path} is listed as a module but is not an ELF file");
        assert_eq!(m["code_id"].as_str(), build_id_on_disk(path).as_deref(), "{path}");
    }
}

/// The GNU build id of an ELF file, read whole from disk.
fn build_id_on_disk(path: &str) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let elf = goblin::elf::Elf::parse(&bytes).ok()?;
    let note = elf
        .iter_note_headers(&bytes)?
        .map_while(Result::ok)
        .find(|n| n.n_type == goblin::elf::note::NT_GNU_BUILD_ID)?;
    Some(note.desc.iter().map(|b| format!("{b:02x}")).collect())
}

/// The files mapped into a process, from its maps file.
fn mapped_files(maps: &str) -> Vec<String> {
    let text = std::fs::read_to_string(maps).unwrap_or_default();
    let mut files: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|p| p.starts_with('/'))
        .map(str::to_string)
        .collect();
    files.dedup();
    files
}

fn is_elf(path: &str) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok()
        && &magic == b"\x7fELF"
}

/// A core is analyzed from its notes, its threads' stacks and its mapped
/// files' first pages, not read whole: it used to take as much RAM as the
/// core's size. The fixture with a 4 GiB sparse tail is analyzed under a
/// 1 GB address-space limit, as the fixture itself is; the report's size and
/// SHA-256 are still the whole file's, and so from a pipe.
#[test]
fn a_big_core_is_analyzed_without_reading_its_memory() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("core.big");
    std::fs::copy(core_fixture(), &big).unwrap();
    std::fs::File::options().write(true).open(&big).unwrap().set_len(4 << 30).unwrap();
    let limited = |args: &[&str]| -> crate::support::Run {
        Command::new("sh")
            .args(["-c", "ulimit -v 1000000; exec \"$@\"", "sh", crate::support::DUMPTOOL])
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    let want = dumptool(&["analyze", &core_fixture(), "--format", "json"]);
    let run = limited(&["analyze", big.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, want.stdout);

    let tail = dir.path().join("core.tail");
    std::fs::copy(core_fixture(), &tail).unwrap();
    std::fs::File::options().write(true).open(&tail).unwrap().set_len(64 << 20).unwrap();
    let run = limited(&["report", tail.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["size"], 64u64 << 20);
    let sum = Command::new("sha256sum").arg(&tail).output().unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout);
    assert_eq!(v["sha256"].as_str(), sum.split_whitespace().next());

    // From a pipe, the size and hash are still all of the input's, the
    // bytes after the core's end included: it is read to its end.
    let piped = Command::new(crate::support::DUMPTOOL)
        .args(["report", "-", "--format", "json"])
        .stdin(std::fs::File::open(&tail).unwrap())
        .output()
        .unwrap();
    let piped = crate::support::Run::from(piped);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    let p: Value = serde_json::from_str(&piped.stdout).unwrap();
    assert_eq!((&p["size"], &p["sha256"]), (&v["size"], &v["sha256"]));
    assert_eq!(p["summary"], v["summary"], "the same analysis as from the file");
}

/// Writes the fixture core with `heap` bytes of memory added to `out`: an
/// empty reserved mapping (a malloc arena's tail) becomes heap held in the
/// file, at a free address, after everything else. With `notes_last`, the
/// notes are moved after it, as gdb's gcore writes them.
fn with_heap(heap: u64, notes_last: bool, out: &mut impl std::io::Write) {
    use goblin::elf::program_header::{PT_LOAD, PT_NOTE};
    let mut core = std::fs::read(core_fixture()).unwrap();
    let elf = goblin::elf::Elf::parse(&core).unwrap();
    let entry = |index: usize| elf.header.e_phoff as usize + index * 56;
    let find = |kind: u32, filesz: Option<u64>| {
        let found = elf
            .program_headers
            .iter()
            .position(|p| p.p_type == kind && filesz.is_none_or(|size| p.p_filesz == size));
        entry(found.unwrap())
    };
    let at = (core.len() as u64).next_multiple_of(4096);
    let mut edits = vec![(
        find(PT_LOAD, Some(0)),
        [(4, 6u64), (8, at), (16, 0x1000_0000_0000), (32, heap), (40, heap)].to_vec(),
    )];
    let notes = elf.program_headers.iter().find(|p| p.p_type == PT_NOTE).unwrap();
    let notes = core[notes.file_range()].to_vec();
    if notes_last {
        edits.push((find(PT_NOTE, None), vec![(8, at + heap)]));
    }
    for (entry, fields) in edits {
        for (field, value) in fields {
            let bytes =
                if field == 4 { &value.to_le_bytes()[..4] } else { &value.to_le_bytes()[..] };
            core[entry + field..entry + field + bytes.len()].copy_from_slice(bytes);
        }
    }
    core.resize(at as usize, 0);
    out.write_all(&core).unwrap();
    let chunk: Vec<u8> =
        (0..1u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    for _ in 0..heap / chunk.len() as u64 {
        out.write_all(&chunk).unwrap();
    }
    if notes_last {
        out.write_all(&notes).unwrap();
    }
}

/// `analyze --format json` of the dump at `path` read whole (a test
/// build's switch): the reference the slim reads are checked against.
fn read_whole(path: &std::path::Path) -> std::process::Output {
    Command::new(crate::support::DUMPTOOL)
        .args(["analyze", path.to_str().unwrap(), "--format", "json"])
        .env("DUMPTOOL_READ_WHOLE", "1")
        .output()
        .unwrap()
}

/// dumptool under a 200 MB address-space limit, standard input from `input`.
fn limited(args: &[&str], input: Option<&std::path::Path>) -> crate::support::Run {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "ulimit -v 200000; exec \"$@\"", "sh", crate::support::DUMPTOOL]).args(args);
    if let Some(input) = input {
        cmd.stdin(std::fs::File::open(input).unwrap());
    }
    cmd.output().unwrap().into()
}

/// `coredumpctl dump PID | dumptool analyze -`: a core on standard input
/// is read once and kept only as far as its analysis reads it, as a core
/// file is. The fixture with 256 MiB of memory added is analyzed from a
/// pipe under a 200 MB address-space limit as its file is; it used to be
/// read whole. With its notes last (gcore's), it cannot be read in one
/// pass and is too large to keep: refused, with what to do instead, and
/// its file reads as the other.
#[test]
fn a_core_piped_in_is_analyzed_as_it_is_read() {
    const HEAP: u64 = 256 << 20;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, notes_last: bool| {
        let path = dir.path().join(name);
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        with_heap(HEAP, notes_last, &mut out);
        std::io::Write::flush(&mut out).unwrap();
        path
    };
    let core = write("core", false);
    let file = crate::support::Run::from(read_whole(&core));
    assert_eq!(file.code, 0, "{}", file.stderr);
    let v: Value = serde_json::from_str(&file.stdout).unwrap();
    assert_eq!(v["threads"].as_array().map(Vec::len), Some(4));
    let piped = limited(&["analyze", "-", "--format", "json"], Some(&core));
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert_eq!(piped.stdout, file.stdout);

    let gcore = write("gcore", true);
    let piped = limited(&["analyze", "-"], Some(&gcore));
    assert_eq!(piped.code, 2, "{}", piped.stderr);
    assert!(piped.stderr.contains("its notes come after its memory"), "{}", piped.stderr);
    assert!(piped.stderr.contains("coredumpctl dump PID -o FILE"), "{}", piped.stderr);
    let two_passes = limited(&["analyze", gcore.to_str().unwrap(), "--format", "json"], None);
    assert_eq!(two_passes.code, 0, "{}", two_passes.stderr);
    let w: Value = serde_json::from_str(&two_passes.stdout).unwrap();
    assert_eq!(w["threads"], v["threads"]);
}

/// A compressed core is unpacked as it is read, never held whole: the
/// fixture with 256 MiB of memory added, in gzip stored without
/// compression, is analyzed under a 200 MB address-space limit, from its
/// file and from a pipe, and says what the same file read whole says;
/// `list` of its directory names it; and so is an apport report of it.
/// Each used to read the file whole first, more memory than its size.
#[test]
fn a_compressed_core_is_analyzed_as_it_is_read() {
    use std::io::Write;
    const HEAP: u64 = 256 << 20;
    let dir = tempfile::tempdir().unwrap();
    let packed = dir.path().join("core.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&packed).unwrap(),
        flate2::Compression::none(),
    );
    // Stored, not compressed: the file is as large as the core.
    with_heap(HEAP, false, &mut gz);
    gz.finish().unwrap();
    assert!(std::fs::metadata(&packed).unwrap().len() > HEAP, "the file must not compress");

    let whole = read_whole(&packed);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    // From a pipe, read once, under the limit too.
    let piped = limited(&["analyze", "-", "--format", "json"], Some(&packed));
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert_eq!(piped.stdout, String::from_utf8_lossy(&whole.stdout));
    let limited_json = |command: &str, path: &std::path::Path| {
        let run = limited(&[command, path.to_str().unwrap(), "--format", "json"], None);
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        serde_json::from_str::<Value>(&run.stdout).unwrap()
    };
    let run = limited(&["analyze", packed.to_str().unwrap(), "--format", "json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, String::from_utf8_lossy(&whole.stdout));
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["store"]["wrapping"], "gzip");
    assert_eq!(v["threads"].as_array().map(Vec::len), Some(4));

    // `list` of a store of such cores reads them the same way.
    let v = limited_json("list", dir.path());
    let entry = &v["dumps"][0];
    assert_eq!(entry["format"], "ELF core file (gzip)", "{entry}");
    assert_eq!(entry["process"], "dumptool-testee", "{entry}");
    assert_eq!(entry["crash"], "SIGSEGV", "{entry}");
    assert_eq!(entry["error"], Value::Null, "{entry}");

    // The same gzip stream in an apport report, base64 a piece a line as
    // apport writes it, with fields on both sides: read as it comes too.
    use base64::Engine as _;
    let crash = dir.path().join("_usr_bin_dumptool-testee.0.crash");
    let mut report = std::io::BufWriter::new(std::fs::File::create(&crash).unwrap());
    report.write_all(b"ProblemType: Crash\nCoreDump: base64\n").unwrap();
    let mut gz = std::fs::File::open(&packed).unwrap();
    let mut piece = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut gz, &mut piece).unwrap();
        if n == 0 {
            break;
        }
        let line = base64::engine::general_purpose::STANDARD.encode(&piece[..n]);
        writeln!(report, " {line}").unwrap();
    }
    report.write_all(b"Signal: 11\n").unwrap();
    report.into_inner().unwrap();
    std::fs::remove_file(&packed).unwrap();
    let mut v = limited_json("analyze", &crash);
    let piped = limited(&["analyze", "-", "--format", "json"], Some(&crash));
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert_eq!(serde_json::from_str::<Value>(&piped.stdout).unwrap(), v, "piped as from its file");
    assert_eq!(v["store"]["wrapping"], "apport report");
    assert_eq!(
        v["store"]["fields"],
        serde_json::json!([["ProblemType", "Crash"], ["Signal", "11"]])
    );
    let mut want: Value = serde_json::from_slice(&whole.stdout).unwrap();
    v.as_object_mut().unwrap().remove("store");
    want.as_object_mut().unwrap().remove("store");
    assert_eq!(v, want);
}

/// A live process with many threads and a large heap, as a server's gcore
/// is: the analysis reads each thread's stack only from its stack pointer
/// to the end of its mapping, so a core of 160 threads (more than 1 GiB of
/// memory at 8 MiB a stack) and 600 MiB of heap is analyzed under a 1 GB
/// address-space limit, and says what reading it whole says; so is the
/// same core compressed.
#[test]
fn a_many_threaded_core_is_analyzed_from_its_stacks_alone() {
    if Command::new("gcore").arg("--version").output().is_err() {
        return skip("gcore (apt-get install gdb)");
    }
    let mut cmd = Command::new(TESTEE);
    cmd.args(["--threads", "160", "--rss-mib", "600"]);
    let testee = Testee::spawn_cmd(cmd);
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("core");
    let gcore =
        Command::new("gcore").arg("-o").arg(&prefix).arg(testee.pid.to_string()).output().unwrap();
    let core = dir.path().join(format!("core.{}", testee.pid));
    assert!(core.exists(), "gcore wrote nothing: {}", String::from_utf8_lossy(&gcore.stderr));
    drop(testee);
    let size = std::fs::metadata(&core).unwrap().len();
    assert!(size > 700 << 20, "the core is {size} B: too small to need slimming");

    let whole = read_whole(&core);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    let limited = Command::new("sh")
        .args(["-c", "ulimit -v 1000000; exec \"$@\"", "sh", crate::support::DUMPTOOL])
        .args(["analyze", core.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(limited.status.success(), "{}", String::from_utf8_lossy(&limited.stderr));
    let (a, b): (Value, Value) = (
        serde_json::from_slice(&whole.stdout).unwrap(),
        serde_json::from_slice(&limited.stdout).unwrap(),
    );
    assert_eq!(b["threads"].as_array().map(Vec::len), Some(162), "main, 160 workers, heartbeat");
    assert_eq!(a, b);

    // Compressed (stored in gzip, as large as the core), gcore's core is
    // read twice under the same limit: its notes come after its memory.
    let packed = dir.path().join("core.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&packed).unwrap(),
        flate2::Compression::none(),
    );
    std::io::copy(&mut std::fs::File::open(&core).unwrap(), &mut gz).unwrap();
    gz.finish().unwrap();
    let limited = Command::new("sh")
        .args(["-c", "ulimit -v 1000000; exec \"$@\"", "sh", crate::support::DUMPTOOL])
        .args(["analyze", packed.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(limited.status.success(), "{}", String::from_utf8_lossy(&limited.stderr));
    let mut c: Value = serde_json::from_slice(&limited.stdout).unwrap();
    assert_eq!(c["store"]["wrapping"], "gzip");
    c.as_object_mut().unwrap().remove("store");
    assert_eq!(a, c);
}
