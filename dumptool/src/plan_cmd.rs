//! `dumptool plan FILE`: evaluate a plan file with the core's calculators.

use clap::{Args, ValueEnum};
use headroom_core::plan::{self, Plan};
use headroom_core::{docs, present};

use crate::exit::{self, Failure};

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["file", "list", "schema"]))]
pub struct PlanArgs {
    /// The plan file (TOML or JSON).
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

/// Returns the exit code: 0 evaluated, 1 errors in the report, 2 bad input.
pub fn run(args: &PlanArgs) -> anyhow::Result<u8> {
    let calcs = plan::CALCULATORS;
    if args.schema || (args.list && args.format == Format::Json) {
        println!("{}", serde_json::to_string_pretty(&docs::json_schema(calcs))?);
        return Ok(exit::OK);
    }
    if args.list {
        print!("{}", docs::listing(calcs));
        return Ok(exit::OK);
    }
    let Some(file) = &args.file else { return Ok(exit::BAD_INPUT) };
    let name = file.display();
    let text =
        std::fs::read_to_string(file).map_err(|e| Failure::bad_input(format!("{name}: {e}")))?;
    let plan = Plan::parse(&text).map_err(|e| Failure::bad_input(format!("{name}: {e}")))?;
    let report = plan::evaluate(&plan);
    let out = match args.format {
        Format::Text => present::Format::Text,
        Format::Markdown => present::Format::Markdown,
        Format::Json => present::Format::Json,
    };
    let out = present::plan_report(&report, &[], out);
    print!("{out}");
    Ok(if report.has_errors() { exit::PROBLEM } else { exit::OK })
}
