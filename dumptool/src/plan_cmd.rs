//! `dumptool plan FILE`: evaluate a plan file with the core's calculators.

use clap::{Args, ValueEnum};
use headroom_core::plan::{self, Plan};
use headroom_core::{docs, present};

use crate::commands::out;
use crate::exit::{self, Failure};

const AFTER_HELP: &str = "\
Examples:
  dumptool plan examples/amps.toml
  dumptool plan examples/megacomet.toml --format json
  dumptool plan --list

Exit codes: 0 evaluated, no finding of severity error; 1 evaluated, with
findings of severity error; 2 bad input: the file cannot be read, is empty,
has an empty section or no calculator section, or a value is of the wrong
type, negative, not a number, too large, out of the calculator's range or
written twice (one line naming the field and its line).";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["file", "list", "schema"]))]
pub struct PlanArgs {
    /// The plan file (TOML or JSON); `-` reads standard input.
    pub file: Option<std::path::PathBuf>,
    /// List the calculators a plan can hold, with their fields and sources
    /// (`--format json` for the registry as data).
    #[arg(long)]
    pub list: bool,
    /// Print the plan file's JSON Schema.
    #[arg(long)]
    pub schema: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// A plan larger than this is no plan (the largest real ones are a few kB);
/// the bound keeps a device such as /dev/zero from being read forever.
const MAX_PLAN: u64 = 64 << 20;

/// The text of a plan file (`plan`, `fixes`, `check --plan`): `-` is
/// standard input; only a regular file is opened (a FIFO would block, a
/// device never end), and at most [`MAX_PLAN`] bytes are read.
pub fn read_plan_text(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read;
    let name = path.display();
    let bad = |m: String| anyhow::Error::from(Failure::bad_input(format!("{name}: {m}")));
    let unreadable = |e: std::io::Error| {
        anyhow::Error::from(Failure::unreadable(format!("{name}: cannot read the plan: {e}"), &e))
    };
    let mut bytes = Vec::new();
    let read = if path == std::path::Path::new("-") {
        std::io::stdin().lock().take(MAX_PLAN + 1).read_to_end(&mut bytes)
    } else {
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        if !meta.is_file() {
            let what = if meta.is_dir() { "a directory" } else { "not a regular file" };
            return Err(bad(format!(
                "{what}: a plan is a TOML or JSON file, or `-` for standard input"
            )));
        }
        std::fs::File::open(path).and_then(|f| f.take(MAX_PLAN + 1).read_to_end(&mut bytes))
    };
    read.map_err(unreadable)?;
    if bytes.len() as u64 > MAX_PLAN {
        return Err(bad(format!("larger than {MAX_PLAN} bytes: not a plan")));
    }
    String::from_utf8(bytes)
        .map_err(|_| bad("not a text file (not UTF-8): a plan is a TOML or JSON file".into()))
}

/// Returns the exit code, as `AFTER_HELP` documents it.
pub fn run(args: &PlanArgs) -> anyhow::Result<u8> {
    let calcs = plan::CALCULATORS;
    if args.schema || (args.list && args.format == Format::Json) {
        out(&(serde_json::to_string_pretty(&docs::json_schema(calcs))? + "\n"))?;
        return Ok(exit::OK);
    }
    if args.list {
        out(&docs::listing(calcs))?;
        return Ok(exit::OK);
    }
    let Some(file) = &args.file else { return Ok(exit::BAD_INPUT) };
    let name = file.display();
    let text = read_plan_text(file)?;
    let plan = Plan::parse(&text).map_err(|e| Failure::bad_input(format!("{name}: {e}")))?;
    let report = plan::evaluate(&plan);
    if report.outcomes.is_empty() {
        return Err(Failure::bad_input(format!(
            "{name}: no calculator section, nothing to evaluate: add one such as [amps.memory] \
             (`dumptool plan --list` shows them)"
        ))
        .into());
    }
    let format = match args.format {
        Format::Text => present::Format::Text,
        Format::Markdown => present::Format::Markdown,
        Format::Json => present::Format::Json,
    };
    out(&present::plan_report(&report, &[], format))?;
    // A section that cannot be computed is a value out of range: bad input.
    Ok(if report.errors().next().is_some() {
        exit::BAD_INPUT
    } else if report.has_errors() {
        exit::PROBLEM
    } else {
        exit::OK
    })
}
