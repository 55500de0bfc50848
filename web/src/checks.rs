//! Config files pasted or dropped into the page, checked by the core's
//! validators against the host and what the plan needs.

use headroom_core::finding::Finding;
use headroom_core::plan::Plan;
use headroom_core::validate::{self, Context, Format, Needs};

/// What the validators made of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The format recognised (or forced), e.g. `sysctl`.
    pub format: &'static str,
    pub findings: Vec<Finding>,
}

/// The formats a person may force when detection guesses wrong.
pub fn formats() -> impl Iterator<Item = &'static str> {
    Format::ALL.iter().map(|f| f.name())
}

/// Checks one file's text against `plan` (the page's valid plan, `None`
/// while its host does not parse); `format` forces a format, `None` detects it.
pub fn check(
    name: &str,
    text: &str,
    format: Option<&str>,
    plan: Option<&Plan>,
) -> Result<Checked, String> {
    let format = format.map(Format::parse).transpose().map_err(|e| e.to_string())?;
    let needs = plan.map(Needs::from_plan).unwrap_or_default();
    let ctx = Context { host: plan.map(|p| &p.host), needs: Some(&needs) };
    let report = validate::check_text(name, text, format, &ctx).map_err(|e| e.to_string())?;
    Ok(Checked {
        format: report.format.map_or("an unrecognised format", Format::name),
        findings: report.findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Maglev on AWS t1.micro": the installer's page cache on a 613 MB host.
    #[test]
    fn the_t1_micro_system_conf_is_an_einval_error() {
        let plan: Plan = toml::from_str("[host]\nram = \"613 MB\"\ncores = 1").unwrap();
        let checked =
            check("system.conf", "SHR_PAGE_CACHE_SIZE_KB = 1000000;\n", None, Some(&plan)).unwrap();
        assert_eq!(checked.format, "gemstone-conf");
        let text = format!("{:?}", checked.findings);
        assert!(text.contains("EINVAL"), "{text}");
    }

    #[test]
    fn a_forced_format_must_exist() {
        let err = check("x", "", Some("nope"), None).unwrap_err();
        assert!(err.contains("unknown format"), "{err}");
    }
}
