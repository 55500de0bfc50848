//! The dump commands' shell: clap arguments, reading files, writing output,
//! and turning library errors into [`Failure`]s with their exit code. The
//! work is in [`crate::analyze`], [`crate::report`], [`crate::capture`],
//! [`crate::limits`] and [`crate::dumpdir`].

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use headroom_core::units::Bytes;

use crate::analyze::{self, Options};
use crate::exit::{self, Failure};
use crate::redact::{Policy, Redactor};
use crate::report::{self, Report};

/// How secrets are hidden in summaries (and, for `capture`, in the dump).
#[derive(Debug, Clone, Args)]
pub struct RedactArgs {
    /// Redaction policy: `allowlist` hides every environment value but a few
    /// harmless ones (PATH, LANG, TERM, ...); `secrets` hides only what looks
    /// secret. Secret-looking arguments are hidden under both. See
    /// docs/redaction.md.
    #[arg(long, value_name = "POLICY", default_value = "allowlist")]
    pub redact_policy: Policy,
    /// Keep this environment variable's value (allowlist policy). Repeatable.
    #[arg(long, value_name = "NAME")]
    pub keep_env: Vec<String>,
    /// Hide this environment variable or `NAME=` argument too. Repeatable.
    #[arg(long, value_name = "NAME")]
    pub redact_env: Vec<String>,
}

impl RedactArgs {
    pub fn redactor(&self) -> Redactor {
        Redactor {
            policy: self.redact_policy,
            keep: self.keep_env.clone(),
            hide: self.redact_env.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

// Each command's examples and exit codes (`dumptool CMD --help`); the
// codes are those of `crate::exit`.
const CAPTURE_HELP: &str = "\
Examples:
  dumptool capture $(pidof ampServer) --dir /var/tmp/minidumps
  dumptool capture 1234 --thread 1250 -o hang.dmp
  dumptool capture 1234 --redact-policy secrets --keep-env APP_MODE

Exit codes: 0 written; 1 the target exited or dumptool was interrupted during
the capture (the target is resumed, no file is written); 2 bad input (a
zombie or kernel thread, no such thread, an output path that is a directory,
a device, a file that is not a dump, or missing); 3 refused (no such process,
not permitted to ptrace, already traced by a debugger, an output directory
that is read-only or full).";

const LIMITS_HELP: &str = "\
Examples:
  dumptool limits $(pidof ampServer)
  dumptool limits 1234 --format json

Exit codes: 0 a crash now would leave a core; 1 it would not (the verdict
says why, the advice how to fix it); 2 a zombie or kernel thread; 3 no such
process (or its /proc files cannot be read).";

const DOCTOR_HELP: &str = "\
Examples:
  dumptool doctor $(pidof redis-server)
  dumptool doctor 1234 --format json

Exit codes: 0 a crash or hang can be captured and kept; 1 a crash now would
leave nothing (fix the FAIL items); 2 a zombie or kernel thread; 3 no such
process (or its /proc files cannot be read).";

const ANALYZE_HELP: &str = "\
Examples:
  dumptool analyze crash.dmp
  dumptool analyze crash.dmp --symbols ./symbols --brief
  dumptool analyze /var/lib/systemd/coredump/core.mysqld.*.zst --format json
  dumptool analyze core.1234 --no-host-files
  coredumpctl dump mysqld | dumptool analyze -

A dump on standard input (a core, compressed or not, or an apport report) is
read once, keeping only what its analysis reads; a core whose notes come last
(gdb's gcore) needs its file when larger than 80 MiB.

Exit codes: 0 analyzed; 2 bad input (a missing file, a directory or a device,
not a dump, a malformed dump, a --symbols or --debug-dir that is not a
directory, a piped core that needs its file); 3 the file is not readable
(permissions); 4 the dump is cut short (what could be read is printed, marked
as truncated).";

const REPORT_HELP: &str = "\
Examples:
  dumptool report crash.dmp -o ticket-1234.md
  dumptool report crash.dmp --format json -o ticket-1234.json

The file given to -o is written whole or not at all (beside it, then renamed).

Exit codes: as for analyze (0, 2, 3, 4), and for -o: 2 a path that is the
dump itself, a directory, a device or in a missing directory; 3 the write was
refused (permissions, no space); the previous file is then left as it was.";

const SUBMIT_HELP: &str = "\
Examples:
  dumptool submit crash.dmp --to https://sentry.example/api/42/minidump/?sentry_key=KEY --dry-run
  dumptool submit crash.dmp --to https://crash-stats.example/submit --release 6.2.1

Exit codes: 0 sent (or, with --dry-run, shown); 1 the dump is not redacted
(see --allow-unredacted); 2 bad input (a --to that is not an http(s) URL, a
core file, a malformed dump); 3 the server refused it, could not be reached
or did not answer in time.";

const LIST_HELP: &str = "\
Examples:
  dumptool list /var/tmp/minidumps
  dumptool list /tmp --format json

Exit codes: 0 listed (unreadable dumps are listed as such); 2 no such
directory; 3 the directory is not readable.";

const PRUNE_HELP: &str = "\
Examples:
  dumptool prune /var/tmp/minidumps --older-than 14d --dry-run
  dumptool prune /var/tmp/minidumps --keep 20

Exit codes: 0 pruned (or, with --dry-run, shown); 2 no such directory or a
bad --older-than; 3 the directory is not readable or a dump cannot be
removed.";

#[derive(Debug, Args)]
#[command(after_help = CAPTURE_HELP)]
pub struct CaptureArgs {
    /// The process to capture.
    pub pid: u32,
    /// The thread to blame in the dump (default: the main thread).
    #[arg(long, value_name = "TID")]
    pub thread: Option<u32>,
    /// Write the dump to this file.
    #[arg(short, long, value_name = "FILE", conflicts_with = "dir")]
    pub output: Option<PathBuf>,
    /// Write the dump into this directory, named PROCESS-PID-UTCTIME.dmp
    /// (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Keep the environment and command line verbatim, secrets included.
    #[arg(long)]
    pub no_redact: bool,
    #[command(flatten)]
    pub redact: RedactArgs,
}

#[derive(Debug, Args)]
#[command(after_help = LIMITS_HELP)]
pub struct LimitsArgs {
    /// The process whose crash you want to foresee.
    pub pid: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
#[command(after_help = DOCTOR_HELP)]
pub struct DoctorArgs {
    /// The process to check before it crashes or hangs.
    pub pid: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
#[command(after_help = ANALYZE_HELP)]
pub struct AnalyzeArgs {
    /// A minidump (.dmp) or an ELF core file; `-` reads standard input.
    pub file: PathBuf,
    /// Show only the crashing (or requesting) thread's stack in text and
    /// Markdown; the other threads by their top frame. JSON always has all.
    #[arg(long)]
    pub brief: bool,
    /// A Breakpad symbol store (MODULE/DEBUGID/MODULE.sym), to turn
    /// addresses into function names. Repeatable; searched in order.
    #[arg(long, value_name = "DIR")]
    pub symbols: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    pub format: AnalyzeFormat,
    #[command(flatten)]
    pub redact: RedactArgs,
    #[command(flatten)]
    pub host: crate::symbols::args::HostArgs,
}

#[derive(Debug, Args)]
#[command(after_help = REPORT_HELP)]
pub struct ReportArgs {
    /// A minidump (.dmp) or an ELF core file; `-` reads standard input.
    pub file: PathBuf,
    /// Write the report here instead of standard output.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
    /// Breakpad symbol stores, as for `analyze`.
    #[arg(long, value_name = "DIR")]
    pub symbols: Vec<PathBuf>,
    #[command(flatten)]
    pub redact: RedactArgs,
    #[command(flatten)]
    pub host: crate::symbols::args::HostArgs,
}

#[derive(Debug, Args)]
#[command(after_help = SUBMIT_HELP)]
pub struct SubmitArgs {
    /// The minidump to send, as `capture` wrote it (compressed is fine).
    pub file: PathBuf,
    /// The pipeline's upload URL: Sentry's
    /// `https://HOST/api/PROJECT/minidump/?sentry_key=KEY` or a Socorro
    /// collector's `https://HOST/submit`.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// The `ProductName` field (default: the dumped process's name).
    #[arg(long, value_name = "NAME")]
    pub product: Option<String>,
    /// The `Version` field (Socorro requires one; default `unknown`).
    #[arg(long, value_name = "VERSION")]
    pub release: Option<String>,
    /// Add a form field or replace one of the report's. Repeatable.
    #[arg(long, value_name = "KEY=VALUE", value_parser = crate::submit::parse_field)]
    pub field: Vec<(String, String)>,
    /// Print the URL, fields and file that would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send the dump even though it holds values the redaction policy hides
    /// (a dump captured with --no-redact).
    #[arg(long)]
    pub allow_unredacted: bool,
    /// Seconds to wait for the server.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    #[command(flatten)]
    pub redact: RedactArgs,
    #[command(flatten)]
    pub host: crate::symbols::args::HostArgs,
}

#[derive(Debug, Args)]
#[command(after_help = LIST_HELP)]
pub struct ListArgs {
    /// The minidump directory (AMPS: MiniDumpDirectory, /tmp by default).
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
#[command(after_help = PRUNE_HELP)]
#[command(group(clap::ArgGroup::new("rule").required(true).args(["older_than", "keep"])))]
pub struct PruneArgs {
    /// The minidump directory.
    pub dir: PathBuf,
    /// Remove dumps older than this: 45s, 90m, 12h, 7d, 2w.
    #[arg(long, value_name = "AGE", value_parser = crate::dumpdir::parse_age)]
    pub older_than: Option<std::time::Duration>,
    /// Keep only the newest N dumps.
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
    /// Say what would be removed, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Writes to standard output; a closed pipe (`| head`) comes back as an
/// error that `main` ends on quietly, where `print!` would panic.
pub fn out(text: &str) -> Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Reads a dump given on the command line: a missing file is bad input (2),
/// an unreadable one a refusal (3).
fn read_input(path: &Path) -> Result<Vec<u8>> {
    // A device would be read to its end: /dev/zero never ends, a disk is
    // the size of the disk, and either takes the host's memory with it.
    if let Ok(m) = fs::metadata(path) {
        #[cfg(unix)]
        let device = {
            use std::os::unix::fs::FileTypeExt;
            m.file_type().is_char_device() || m.file_type().is_block_device()
        };
        #[cfg(not(unix))]
        let device = false;
        let what = if m.is_dir() {
            Some("a directory")
        } else if device {
            Some("a device")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(Failure::bad_input(format!(
                "{} is {what}, not a dump: give a minidump or core file (`-` reads standard input)",
                path.display()
            ))
            .into());
        }
    }
    fs::read(path)
        .map_err(|e| Failure::unreadable(format!("cannot read {}: {e}", path.display()), &e).into())
}

/// What the bytes analyzed are of the dump given.
#[derive(Debug, PartialEq, Eq)]
enum Part {
    /// All of it.
    Whole,
    /// The part of the file its analysis reads (see [`slim_core`]).
    OfFile,
    /// The part of standard input its analysis reads, and, when asked for,
    /// the size and SHA-256 of all of the input.
    OfStdin(Option<(u64, String)>),
}

/// The bytes analyzed, their summary, and what part of the dump they are.
/// `hash_stdin`: standard input is read to its end and hashed, for a
/// report that names the dump by its size and hash.
fn analyze_file(
    path: &Path,
    symbols: &[PathBuf],
    redact: &RedactArgs,
    host: &crate::symbols::args::HostArgs,
    hash_stdin: bool,
) -> Result<(Vec<u8>, crate::summary::Summary, Part)> {
    // A store that is not there would leave every frame unsymbolized
    // without a word: say so before reading the dump.
    if let Some(missing) = symbols.iter().find(|d| !d.is_dir()) {
        return Err(Failure::bad_input(format!(
            "the symbol store {} is not a directory: give the directory that holds \
             MODULE/DEBUGID/MODULE.sym",
            missing.display()
        ))
        .into());
    }
    if let Some(missing) = host.debug_dir.iter().find(|d| !d.is_dir()) {
        return Err(Failure::bad_input(format!(
            "the debug directory {} is not a directory: give the directory that holds \
             .build-id/xx/rest.debug",
            missing.display()
        ))
        .into());
    }
    let options = Options {
        symbol_paths: symbols.to_vec(),
        redactor: redact.redactor(),
        host: host.locator(),
    };
    let failed = |e: crate::crashstore::OpenError| {
        let code = match e {
            crate::crashstore::OpenError::Analyze(analyze::AnalyzeError::Truncated { .. }) => {
                exit::INCOMPLETE
            }
            _ => exit::BAD_INPUT,
        };
        Failure { code, message: format!("{}: {e}", path.display()) }
    };
    #[cfg(feature = "fault-injection")]
    if std::env::var_os(READ_WHOLE).is_some() {
        let bytes = if path == Path::new("-") {
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut io::stdin().lock(), &mut bytes)?;
            bytes
        } else {
            read_input(path)?
        };
        let summary = crate::crashstore::analyze(&bytes, &options).map_err(failed)?;
        return Ok((bytes, summary, Part::Whole));
    }
    if let Some(unwrapped) = slim_wrapped(path) {
        let summary =
            crate::crashstore::summarize(&unwrapped, &options).map_err(|e| failed(e.into()))?;
        return Ok((unwrapped.bytes, summary, Part::OfFile));
    }
    let (bytes, part) = match slim_core(path) {
        Some(b) => (b, Part::OfFile),
        None if path == Path::new("-") => match read_stdin(hash_stdin)? {
            (Stdin::Unwrapped(unwrapped), all) => {
                let summary = crate::crashstore::summarize(&unwrapped, &options)
                    .map_err(|e| failed(e.into()))?;
                return Ok((unwrapped.bytes, summary, Part::OfStdin(all)));
            }
            (Stdin::Bytes(bytes, true), all) => (bytes, Part::OfStdin(all)),
            (Stdin::Bytes(bytes, false), _) => (bytes, Part::Whole),
        },
        None => (read_input(path)?, Part::Whole),
    };
    let summary = crate::crashstore::analyze(&bytes, &options).map_err(failed)?;
    Ok((bytes, summary, part))
}

/// Only in test builds: every dump is read whole, the reference the slim
/// reads are checked against.
#[cfg(feature = "fault-injection")]
const READ_WHOLE: &str = "DUMPTOOL_READ_WHOLE";

/// What standard input held.
enum Stdin {
    /// A compressed dump or an apport report, unwrapped as it came.
    Unwrapped(crate::crashstore::Unwrapped),
    /// The bytes, and whether they are a core kept only as far as its
    /// analysis reads it.
    Bytes(Vec<u8>, bool),
}

/// A reader that counts and, when asked, hashes what goes through it.
struct Hashed<R> {
    input: R,
    size: u64,
    hash: Option<sha2::Sha256>,
}

impl<R: io::Read> io::Read for Hashed<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        use sha2::Digest;
        let n = self.input.read(out)?;
        self.size += n as u64;
        if let Some(hash) = &mut self.hash {
            hash.update(&out[..n]);
        }
        Ok(n)
    }
}

/// Standard input, read once (see [`crate::crashstore::unwrap_piped`]);
/// with `hash`, read to its end, with its size and SHA-256.
fn read_stdin(hash: bool) -> Result<(Stdin, Option<(u64, String)>)> {
    use crate::corefile::{Piped, PIPE_KEPT};
    use crate::crashstore::{unwrap_piped, FromPipe};
    use sha2::Digest;
    let cannot = |e: io::Error| Failure::bad_input(format!("cannot read standard input: {e}"));
    let mut input =
        Hashed { input: io::stdin().lock(), size: 0, hash: hash.then(sha2::Sha256::new) };
    let stdin = match unwrap_piped(&mut input, PIPE_KEPT).map_err(cannot)? {
        FromPipe::Unwrapped(unwrapped) => Stdin::Unwrapped(unwrapped),
        FromPipe::Plain(Piped::Slim(core)) => Stdin::Bytes(core, true),
        FromPipe::Plain(Piped::Whole(bytes)) => Stdin::Bytes(bytes, false),
        FromPipe::Plain(Piped::NotOnePass { read }) => {
            return Err(Failure::bad_input(format!(
                "standard input: a core that cannot be read in one pass (its notes \
             come after its memory, as gdb's gcore writes them, or it is cut short), and too \
             large to keep whole ({read} bytes went by): write it to a file and give its path \
             (`coredumpctl dump PID -o FILE`), which is read twice where needed"
            ))
            .into())
        }
    };
    if !hash {
        return Ok((stdin, None));
    }
    // What the analysis did not need (after a core's end) is hashed too.
    io::copy(&mut input, &mut io::sink()).map_err(cannot)?;
    let hex = crate::report::hex_digest(input.hash.take().unwrap_or_default());
    Ok((stdin, Some((input.size, hex))))
}

/// A compressed core file (systemd-coredump's zstd, lz4 or xz, or gzip)
/// given by path, unpacked as it is read and kept only as far as its
/// analysis reads it: neither the file nor the core is held whole. `None`
/// for anything else, read whole.
fn slim_wrapped(path: &Path) -> Option<crate::crashstore::Unwrapped> {
    if path == Path::new("-") || !fs::metadata(path).ok()?.is_file() {
        return None;
    }
    crate::crashstore::unwrap_file(path)
}

/// A core file given by path, with only the memory its analysis reads (see
/// [`crate::corefile`]); `None` for anything else, read whole.
fn slim_core(path: &Path) -> Option<Vec<u8>> {
    let meta = fs::metadata(path).ok().filter(|m| m.is_file() && path != Path::new("-"))?;
    let mut head = [0u8; 64];
    io::Read::read_exact(&mut fs::File::open(path).ok()?, &mut head).ok()?;
    if analyze::identify(&head) != Some(crate::summary::DumpFormat::ElfCore) {
        return None;
    }
    crate::corefile::slim(path, meta.len()).ok().flatten()
}

/// The SHA-256 of a file, read in pieces.
fn sha256_of(path: &Path) -> io::Result<String> {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    io::copy(&mut fs::File::open(path)?, &mut hash)?;
    Ok(crate::report::hex_digest(hash))
}

/// The exit code of a summary printed in full: incomplete input says so on
/// standard error too, where a script's log sees it.
fn summary_code(path: &Path, summary: &crate::summary::Summary) -> u8 {
    match &summary.incomplete {
        Some(i) => {
            eprintln!("dumptool: {}: {i}; the output shows only what was there", path.display());
            exit::INCOMPLETE
        }
        None => exit::OK,
    }
}

pub fn analyze(args: &AnalyzeArgs) -> Result<u8> {
    let (_, summary, _) = analyze_file(&args.file, &args.symbols, &args.redact, &args.host, false)?;
    let stacks = if args.brief { report::Stacks::Blamed } else { report::Stacks::All };
    let text = match args.format {
        AnalyzeFormat::Text => report::summary_text_with(&summary, stacks),
        AnalyzeFormat::Json => report::summary_json(&summary),
        AnalyzeFormat::Markdown => report::summary_markdown(&summary, stacks),
    };
    out(&text)?;
    Ok(summary_code(&args.file, &summary))
}

pub fn report(args: &ReportArgs) -> Result<u8> {
    // `report crash.dmp -o crash.dmp` would put the report in place of the dump.
    if let Some(out) = &args.output {
        let same = fs::canonicalize(out).ok().zip(fs::canonicalize(&args.file).ok());
        if same.is_some_and(|(a, b)| a == b) {
            return Err(Failure::bad_input(format!(
                "-o {} is the dump itself: give the report another name, e.g. -o {}.md",
                out.display(),
                out.display()
            ))
            .into());
        }
    }
    let (bytes, summary, part) =
        analyze_file(&args.file, &args.symbols, &args.redact, &args.host, true)?;
    let name = if args.file == Path::new("-") {
        "(standard input)".to_string()
    } else {
        args.file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    };
    let code = summary_code(&args.file, &summary);
    let mut report = Report::new(&name, &bytes, summary);
    // The size and hash are the dump's, not those of the part analyzed.
    match part {
        Part::Whole | Part::OfStdin(None) => {}
        Part::OfFile => {
            report.size = fs::metadata(&args.file).map(|m| m.len())?;
            report.sha256 = sha256_of(&args.file)?;
        }
        Part::OfStdin(Some((size, sha256))) => (report.size, report.sha256) = (size, sha256),
    }
    let text = match args.format {
        ReportFormat::Markdown => report.to_markdown(),
        ReportFormat::Json => report.to_json(),
    };
    match &args.output {
        Some(path) => crate::outfile::write_whole(path, text.as_bytes()).map_err(|e| {
            let message = match e {
                crate::outfile::OutputError::Io { .. } => {
                    format!("{e}: choose another path with -o")
                }
                _ => e.to_string(),
            };
            Failure { code: e.exit_code(), message }
        })?,
        None => out(&text)?,
    }
    Ok(code)
}

pub fn submit(args: &SubmitArgs) -> Result<u8> {
    use crate::submit::{self, Answer, Upload};
    submit::check_url(&args.to).map_err(Failure::bad_input)?;
    let (raw, summary, _) = analyze_file(&args.file, &[], &args.redact, &args.host, false)?;
    let dump = match crate::crashstore::unwrap(&raw) {
        Ok(Some(inner)) => inner.bytes,
        _ => raw,
    };
    let path = args.file.display();
    if summary.format != crate::summary::DumpFormat::Minidump {
        return Err(Failure::bad_input(format!(
            "{path} is an ELF core file: crash pipelines take minidumps; capture one with \
             `dumptool capture PID`"
        ))
        .into());
    }
    // A dump redacted at capture is left unchanged by redacting it again:
    // the bytes that would change are secrets it still gives away.
    let mut copy = dump.clone();
    crate::redact::redact_minidump(&mut copy, &args.redact.redactor())
        .map_err(|e| Failure::bad_input(format!("{path}: {e}")))?;
    let exposed = copy.iter().zip(&dump).filter(|(a, b)| a != b).count();
    if exposed > 0 && !args.allow_unredacted {
        return Err(Failure {
            code: exit::PROBLEM,
            message: format!(
                "{path} is not redacted: redaction policy {} would still hide {exposed} bytes \
                 of environment values and arguments in it. Capture it again without \
                 --no-redact, or pass --allow-unredacted to send it as it is",
                args.redact.redact_policy
            ),
        }
        .into());
    }
    let name = args.file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    // The server gets the minidump itself: no compression suffix.
    let name = [".zst", ".zstd", ".lz4", ".xz", ".gz"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(&name)
        .to_string();
    let report = Report::new(&name, &dump, summary);
    let fields =
        submit::fields(&report, args.product.as_deref(), args.release.as_deref(), &args.field);
    let upload = Upload { fields, file_name: name, dump };
    let (body, content_type) = submit::multipart(&upload);
    let url = submit::shown_url(&args.to);
    let mut text = format!(
        "{} {} to {url}\n",
        if args.dry_run { "would send" } else { "sending" },
        Bytes(body.len() as u64).decimal()
    );
    for (k, v) in &upload.fields {
        text.push_str(&format!("  {k}: {v}\n"));
    }
    text.push_str(&format!(
        "  {}: {} ({}, sha256 {})\n",
        submit::DUMP_FIELD,
        upload.file_name,
        Bytes(upload.dump.len() as u64).decimal(),
        report.sha256
    ));
    if args.dry_run {
        out(&text)?;
        return Ok(exit::OK);
    }
    let http: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(args.timeout)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = http
        .post(&args.to)
        .header("Content-Type", &content_type)
        .send(&body[..])
        .map_err(|e| Failure::refused(format!("cannot send to {url}: {e}")))?;
    let status = response.status().as_u16();
    let reply = response.body_mut().read_to_string().unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(Failure::refused(format!(
            "{url} answered HTTP {status}: {}",
            reply.trim().chars().take(300).collect::<String>()
        ))
        .into());
    }
    text.push_str(&match submit::answer(&reply) {
        Answer::Socorro(id) => format!("accepted: Socorro crash id {id}\n"),
        Answer::Sentry(id) => format!("accepted: Sentry event id {id}\n"),
        Answer::Other(s) => format!("accepted (HTTP {status}): {s}\n"),
    });
    out(&text)?;
    Ok(exit::OK)
}

pub fn list(args: &ListArgs) -> Result<u8> {
    let scan = scan(&args.dir)?;
    if args.format == ListFormat::Json {
        out(&(serde_json::to_string_pretty(&scan)? + "\n"))?;
        return Ok(exit::OK);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut text = format!("{:<9} {:>12}  {:<20} {:<32} FILE\n", "AGE", "SIZE", "PROCESS", "CRASH");
    for e in &scan.dumps {
        let crash = match (&e.crash, &e.error) {
            (Some(c), Some(_)) => Some(format!("{c} [truncated]")),
            (Some(c), None) => Some(c.clone()),
            (None, Some(err)) => Some(format!("unreadable: {err}")),
            (None, None) => None,
        };
        text.push_str(&format!(
            "{:<9} {:>12}  {:<20} {:<32} {}\n",
            crate::dumpdir::format_age(now.saturating_sub(e.modified)),
            Bytes(e.size).decimal(),
            e.process.as_deref().unwrap_or("-"),
            crash.as_deref().unwrap_or("-"),
            e.path.display()
        ));
    }
    let total: u64 = scan.dumps.iter().map(|e| e.size).sum();
    text.push_str(&format!("{} dumps, {}\n", scan.dumps.len(), Bytes(total)));
    push_others(&mut text, &scan.others);
    out(&text)?;
    Ok(exit::OK)
}

/// The entries that are not dumps, apart from the dumps: `list` shows them
/// and `prune` says it left them alone.
fn push_others(text: &mut String, others: &[crate::dumpdir::Other]) {
    if others.is_empty() {
        return;
    }
    text.push_str(&format!("\n{} other entries, not dumps (left alone):\n", others.len()));
    for o in others {
        text.push_str(&format!("  {}: {}\n", o.path.display(), o.what));
    }
}

fn scan(dir: &Path) -> Result<crate::dumpdir::Scan> {
    crate::dumpdir::scan(dir).map_err(|e| {
        let code =
            if e.kind() == io::ErrorKind::NotFound { exit::BAD_INPUT } else { exit::REFUSED };
        Failure { code, message: format!("cannot read the directory {}: {e}", dir.display()) }
            .into()
    })
}

pub fn prune(args: &PruneArgs) -> Result<u8> {
    use crate::dumpdir::PruneRule;
    let scan = scan(&args.dir)?;
    let entries = &scan.dumps;
    let rule = match (args.older_than, args.keep) {
        (Some(age), _) => PruneRule::OlderThan(age),
        (None, Some(n)) => PruneRule::Keep(n),
        (None, None) => {
            return Err(Failure::bad_input("prune needs --older-than AGE or --keep N").into())
        }
    };
    let doomed = crate::dumpdir::select(entries, rule, std::time::SystemTime::now());
    let mut text = String::new();
    let mut freed = 0;
    for e in &doomed {
        if args.dry_run {
            text.push_str(&format!(
                "would remove {} ({})\n",
                e.path.display(),
                Bytes(e.size).decimal()
            ));
        } else {
            fs::remove_file(&e.path).map_err(|err| {
                Failure::refused(format!("cannot remove {}: {err}", e.path.display()))
            })?;
            text.push_str(&format!("removed {} ({})\n", e.path.display(), Bytes(e.size).decimal()));
        }
        freed += e.size;
    }
    let verb = if args.dry_run { "would free" } else { "freed" };
    text.push_str(&format!(
        "{} of {} dumps, {verb} {}; {} kept\n",
        doomed.len(),
        entries.len(),
        Bytes(freed),
        entries.len() - doomed.len()
    ));
    push_others(&mut text, &scan.others);
    out(&text)?;
    Ok(exit::OK)
}

#[cfg(target_os = "linux")]
pub fn capture(args: &CaptureArgs) -> Result<u8> {
    use crate::capture::{CaptureOptions, Output};
    let output = match (&args.output, &args.dir) {
        (Some(f), _) => Output::File(f.clone()),
        (None, Some(d)) => Output::Dir(d.clone()),
        (None, None) => Output::Dir(PathBuf::from(".")),
    };
    if args.no_redact {
        eprintln!(
            "dumptool: warning: --no-redact: the dump keeps the process's environment and command \
             line verbatim, passwords and tokens included; do not attach it to a ticket"
        );
    }
    let options = CaptureOptions {
        pid: args.pid,
        tid: args.thread,
        output,
        redactor: (!args.no_redact).then(|| args.redact.redactor()),
    };
    let c = crate::capture::capture(&options)
        .map_err(|e| Failure { code: e.exit_code(), message: e.to_string() })?;
    let mut text = format!(
        "wrote {}\n  size:     {}, {} bytes\n  threads:  {}\n  stopped:  {:.1} ms\n",
        c.path.display(),
        Bytes(c.size),
        c.size,
        c.threads,
        c.stopped.as_secs_f64() * 1000.0
    );
    match &c.redaction {
        Some(r) => text.push_str(&format!(
            "  redacted: {} environment values, {} arguments, {} copies in memory (policy {})\n",
            r.env_values, r.args, r.memory_copies, args.redact.redact_policy
        )),
        None => text.push_str("  redacted: nothing (--no-redact)\n"),
    }
    out(&text)?;
    Ok(exit::OK)
}

#[cfg(target_os = "linux")]
pub fn limits(args: &LimitsArgs) -> Result<u8> {
    use crate::corelimit;
    let s = crate::limits::gather(args.pid)
        .map_err(|e| Failure { code: e.exit_code(), message: e.to_string() })?;
    let verdict = corelimit::verdict(&s);
    let advice = corelimit::advice(&s, &verdict);
    let code = if verdict.is_no_core() { exit::PROBLEM } else { exit::OK };
    if args.format == ListFormat::Json {
        let mut v = serde_json::json!({ "settings": s, "verdict": verdict, "message": verdict.to_string() });
        // Advice only when there is some: no `null` to explain.
        if let Some(a) = &advice {
            v["advice"] = serde_json::Value::String(a.clone());
        }
        out(&(serde_json::to_string_pretty(&v)? + "\n"))?;
        return Ok(code);
    }
    let opt = |v: Option<u64>| v.map_or("unlimited".to_string(), |b| format!("{b} ({})", Bytes(b)));
    let known = |v: Option<String>| v.unwrap_or_else(|| "unknown".into());
    let mut t = format!("Core-dump settings of {} (pid {})\n", s.name, s.pid);
    t.push_str(&format!("  RLIMIT_CORE soft:       {}\n", opt(s.rlimit_soft)));
    t.push_str(&format!("  RLIMIT_CORE hard:       {}\n", opt(s.rlimit_hard)));
    t.push_str(&format!("  kernel.core_pattern:    {}\n", s.core_pattern));
    t.push_str(&format!(
        "  kernel.core_pipe_limit: {}\n",
        known(s.core_pipe_limit.map(|v| v.to_string()))
    ));
    t.push_str(&format!(
        "  kernel.core_uses_pid:   {}\n",
        known(s.core_uses_pid.map(|v| u8::from(v).to_string()))
    ));
    t.push_str(&format!(
        "  fs.suid_dumpable:       {}\n",
        known(s.suid_dumpable.map(|v| v.to_string()))
    ));
    t.push_str(&format!(
        "  coredump_filter:        {}\n",
        known(s.coredump_filter.map(|v| format!("{v:#x}")))
    ));
    t.push_str(&format!("  working directory:      {}\n", known(s.cwd.clone())));
    if let Some(c) = &s.credentials {
        t.push_str(&format!(
            "  credentials:            fsuid {}, fsgid {}{}{}\n",
            c.fsuid,
            c.fsgid,
            if c.dac_override { ", CAP_DAC_OVERRIDE" } else { "" },
            if c.dumpable { "" } else { ", changed credentials (not dumpable as itself)" }
        ));
    }
    if let Some(free) = s.core_dir_free {
        t.push_str(&format!("  free where it lands:    {}\n", Bytes(free)));
    }
    t.push_str(&format!(
        "  process size:           RSS {}, virtual {}, dumpable {}\n",
        known(s.rss_bytes.map(|b| Bytes(b).to_string())),
        known(s.vm_bytes.map(|b| Bytes(b).to_string())),
        known(s.dumpable_bytes.map(|b| Bytes(b).to_string())),
    ));
    if let Some(m) = &s.size_method {
        t.push_str(&format!("  (dumpable size: {m})\n"));
    }
    t.push_str(&format!("\nVerdict: {verdict}.\n"));
    if let Some(a) = advice {
        t.push_str(&format!("Advice: {a}.\n"));
    }
    out(&t)?;
    Ok(code)
}

#[cfg(target_os = "linux")]
pub fn doctor(args: &DoctorArgs) -> Result<u8> {
    let facts = crate::limits::doctor_facts(args.pid)
        .map_err(|e| Failure { code: e.exit_code(), message: e.to_string() })?;
    let d = crate::doctor::diagnose(&facts);
    let code = if d.crash_leaves_nothing { exit::PROBLEM } else { exit::OK };
    match args.format {
        ListFormat::Json => {
            let v = serde_json::json!({ "diagnosis": d, "facts": facts });
            out(&(serde_json::to_string_pretty(&v)? + "\n"))?;
        }
        ListFormat::Text => out(&crate::doctor::to_text(&d))?,
    }
    Ok(code)
}

#[cfg(not(target_os = "linux"))]
pub fn doctor(_: &DoctorArgs) -> Result<u8> {
    Err(Failure::bad_input("doctor works on Linux only").into())
}

#[cfg(not(target_os = "linux"))]
pub fn capture(_: &CaptureArgs) -> Result<u8> {
    Err(Failure::bad_input("capture works on Linux only").into())
}

#[cfg(not(target_os = "linux"))]
pub fn limits(_: &LimitsArgs) -> Result<u8> {
    Err(Failure::bad_input("limits works on Linux only").into())
}
